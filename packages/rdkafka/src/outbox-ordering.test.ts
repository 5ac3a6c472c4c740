import {
  createOutbox,
  createOutboxRelay,
  mysqlDialect,
  postgresDialect,
  readTopic,
  silentLogger,
  type Outbox,
  type OutboxRelay,
  type SqlDatabase,
} from '@ordo/core';
import { checkPublishedOrder, waitFor } from '@ordo/core/testing';
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARIADB_ENGINE, POSTGRES_ENGINE, type OutboxEngine } from './outbox-engines.test-support.js';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

const WRITERS = 8;
const EVENTS_PER_WRITER = 1_000;
const KEYS = 100;

/** An engine as this test needs it: also raw SQL and an audit trigger of insertion order. */
interface Engine extends OutboxEngine {
  sql(database: SqlDatabase, text: string): Promise<unknown[]>;
  auditTrigger(outbox: string, audit: string): string[];
}

const postgres: Engine = {
  ...POSTGRES_ENGINE,
  sql: async (database, text) => (await (database as pg.Pool).query(text)).rows,
  auditTrigger: (outbox, audit) => [
    `CREATE FUNCTION ${audit}_fn() RETURNS trigger AS $$ BEGIN INSERT INTO ${audit} VALUES (NEW.seq, NEW.id::text, NEW.msg_key); RETURN NEW; END $$ LANGUAGE plpgsql`,
    `CREATE TRIGGER ${audit}_trg AFTER INSERT ON ${outbox} FOR EACH ROW EXECUTE FUNCTION ${audit}_fn()`,
  ],
};

const mariadb: Engine = {
  ...MARIADB_ENGINE,
  sql: async (database, text) => (await (database as mysql.Pool).query(text))[0] as unknown[],
  auditTrigger: (outbox, audit) => [
    `CREATE TRIGGER ${audit}_trg AFTER INSERT ON ${outbox} FOR EACH ROW INSERT INTO ${audit} VALUES (NEW.seq, NEW.id, NEW.msg_key)`,
  ],
};

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

describe.each([postgres, mariadb])('outbox order under concurrency on $name into @ordo/kafka-mock', (engine) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tables = { outbox: `ord_ob_${suffix}`, failed: `ord_obf_${suffix}`, inbox: `ord_obi_${suffix}` };
  const audit = `ord_audit_${suffix}`;
  const topic = `outbox-order-${engine.name.toLowerCase()}-${suffix}`;
  const app = engine.pool(WRITERS + 2);
  const relayPools = [engine.pool(WRITERS + 2), engine.pool(WRITERS + 2)];
  let outbox: Outbox;

  beforeAll(async () => {
    cluster.createTopic(topic, 6);
    outbox = createOutbox({
      dialect: engine === postgres ? postgresDialect() : mysqlDialect(),
      tables,
      logger: silentLogger,
    });
    await engine.transaction(app.database, (tx) => outbox.migrate(tx));
    // The ground truth of insertion order: a trigger logs each committed row's sequence number.
    await engine.sql(
      app.database,
      `CREATE TABLE ${audit} (seq bigint NOT NULL, id varchar(64) NOT NULL, msg_key text NULL)`,
    );
    for (const statement of engine.auditTrigger(tables.outbox, audit)) await engine.sql(app.database, statement);
  });
  afterAll(async () => {
    for (const t of [tables.outbox, tables.failed, tables.inbox, `${tables.outbox}_key_locks`, audit]) {
      await engine.sql(app.database, `DROP TABLE IF EXISTS ${t}`);
    }
    if (engine === postgres) await engine.sql(app.database, `DROP FUNCTION IF EXISTS ${audit}_fn() CASCADE`);
    await Promise.all([app, ...relayPools].map((p) => p.end()));
  });

  it(`${WRITERS} writers x ${EVENTS_PER_WRITER} events over ${KEYS} keys, commits out of sequence, two relays: per-key order = insertion order, nothing lost`, async () => {
    const relay = (database: SqlDatabase, maxShards?: number): OutboxRelay =>
      createOutboxRelay({
        outbox,
        database,
        driver: mockDriver(cluster),
        shards: 4,
        ...(maxShards === undefined ? {} : { maxShards }),
        leaseIntervalMs: 200,
        pollIntervalMs: 20,
        logger: silentLogger,
      });
    const first = relay(relayPools[0]!.database, 2);
    const second = relay(relayPools[1]!.database);
    await first.start();
    await waitFor(() => first.ownedShards.length === 2, { timeoutMs: 10_000 });
    await second.start();
    await waitFor(() => first.ownedShards.length + second.ownedShards.length === 4, { timeoutMs: 10_000 });
    expect(first.ownedShards).toHaveLength(2); // both relays publish at once

    let written = 0;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < EVENTS_PER_WRITER; i++) {
        const key = `key-${Math.floor(Math.random() * KEYS)}`;
        await engine.transaction(app.database, async (tx) => {
          await outbox.write(tx, { topic, key, type: 'counted', value: { w, i } });
          // Hold the transaction open a random while, so commits finish out of sequence.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
        });
        written++;
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    // Half way, one relay stops; the other takes its shards over.
    await waitFor(() => written >= (WRITERS * EVENTS_PER_WRITER) / 2, { timeoutMs: 120_000 });
    await first.stop();
    await writing;
    await waitFor(() => second.ownedShards.length === 4, { timeoutMs: 10_000 });
    const remaining = async () =>
      ((await engine.sql(app.database, `SELECT count(*) AS n FROM ${tables.outbox}`))[0] as { n: number }).n;
    await expect.poll(async () => Number(await remaining()), { timeout: 60_000, interval: 200 }).toBe(0);
    await second.stop();

    const auditRows = (await engine.sql(app.database, `SELECT id, msg_key FROM ${audit} ORDER BY seq`)) as Array<{
      id: string;
      msg_key: string;
    }>;
    expect(auditRows).toHaveLength(WRITERS * EVENTS_PER_WRITER);
    const expected = new Map<string, string[]>();
    for (const row of auditRows) expected.set(row.msg_key, [...(expected.get(row.msg_key) ?? []), row.id]);

    const records = await readTopic(mockDriver(cluster), topic, { timeoutMs: 60_000 });
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    const published = records.map((r) => ({ key: r.key?.toString('utf8') ?? null, id: String(r.headers['ordo-id']) }));
    const report = checkPublishedOrder(expected, published);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.reordered).toEqual([]);
    expect(report.repeats).toBe(0);
  }, 180_000);
});
