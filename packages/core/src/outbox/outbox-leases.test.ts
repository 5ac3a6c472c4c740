import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { silentLogger } from '../internal/logger.js';
import { inTransaction, type SqlDatabase } from '../sql/database.js';
import { MYSQL_URL, PG_URL } from '../sql/databases.test-support.js';
import { waitFor } from '../testing/wait-for.js';
import { mysqlDialect } from './mysql-dialect.js';
import type { OutboxDialect } from './outbox-dialect.js';
import { createOutboxRelay, type OutboxRelay } from './outbox-relay.js';
import { createOutbox } from './outbox.js';
import { postgresDialect } from './postgres-dialect.js';

interface Admin {
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}

interface Service {
  readonly database: SqlDatabase;
  end(): Promise<void>;
}

// Two services on one database server, each with the default `ordo_outbox` in its own
// schema (PostgreSQL, via search_path) or database (MariaDB): their relays must not take
// each other's leases, or one service's events would never be relayed.
describe.each([
  {
    name: 'postgres',
    dialect: postgresDialect(),
    admin: (): Admin => new pg.Pool({ connectionString: PG_URL }),
    create: 'CREATE SCHEMA',
    drop: 'DROP SCHEMA IF EXISTS %s CASCADE',
    service: (ns: string): Service => {
      const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${ns}` });
      return { database: pool, end: () => pool.end() };
    },
  },
  {
    name: 'mariadb',
    dialect: mysqlDialect(),
    admin: (): Admin => mysql.createPool({ uri: MYSQL_URL }),
    create: 'CREATE DATABASE',
    drop: 'DROP DATABASE IF EXISTS %s',
    service: (ns: string): Service => {
      const pool = mysql.createPool({ uri: MYSQL_URL.replace(/\/[^/]*$/, `/${ns}`) });
      return { database: pool, end: () => pool.end() };
    },
  },
] as const)('outbox leases on $name', ({ dialect, admin, create, drop, service }) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const namespaces = [`ordo_svc_a_${suffix}`, `ordo_svc_b_${suffix}`];
  const adminPool = admin();
  const services: Service[] = [];
  const relays: OutboxRelay[] = [];

  afterAll(async () => {
    for (const r of relays) await r.stop();
    for (const s of services) await s.end();
    for (const ns of namespaces) await adminPool.query(drop.replace('%s', ns));
    await adminPool.end();
  });

  it('are named after the table as the database resolves it: same-named outboxes do not share them', async () => {
    const kafka = new InMemoryKafka({ partitions: 2 });
    for (const ns of namespaces) {
      await adminPool.query(`${create} ${ns}`);
      const svc = service(ns);
      services.push(svc);
      const outbox = createOutbox({ dialect: dialect as OutboxDialect, logger: silentLogger }); // default table names
      await outbox.migrate(svc.database as never);
      const relay = createOutboxRelay({
        outbox,
        database: svc.database,
        driver: kafka,
        pollIntervalMs: 20,
        logger: silentLogger,
      });
      relays.push(relay);
      await relay.start();
      await inTransaction(svc.database, (tx) =>
        outbox.write(tx, { topic: `events-${ns}`, key: 'k', type: 't', value: ns }),
      );
    }
    await waitFor(() => relays.every((r) => r.ownedShards.length === 1), { timeoutMs: 5_000 });
    const count = (topic: string) => [0, 1].reduce((n, p) => n + kafka.records(topic, p).length, 0);
    await waitFor(() => namespaces.every((ns) => count(`events-${ns}`) === 1), { timeoutMs: 5_000 });
    expect(relays.map((r) => r.ownedShards)).toEqual([[0], [0]]);
  });
});
