import {
  ContractRegistry,
  SqlFailedMessageStore,
  createFailedMessages,
  createOutbox,
  createOutboxRelay,
  mysqlDialect,
  mysqlExecutor,
  postgresDialect,
  postgresExecutor,
  readTopic,
  silentLogger,
} from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARIADB_ENGINE, POSTGRES_ENGINE } from './outbox-engines.test-support.js';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

const userContract = {
  events: {
    'user-created': { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } },
    'user-updated': { type: 'object' },
  },
};

const engines = [POSTGRES_ENGINE, MARIADB_ENGINE];

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 1 });
});
afterAll(() => cluster.close());

describe.each(engines)('outbox key holds on $name through @ordo/rdkafka into @ordo/kafka-mock', (engine) => {
  const suffix = Math.random().toString(36).slice(2, 8);
  const tables = { outbox: `kh_ob_${suffix}`, failed: `kh_obf_${suffix}`, inbox: `kh_obi_${suffix}` };
  const topic = `users-holds-${engine.name.toLowerCase()}-${suffix}`;
  const app = engine.pool(4);
  const contracts = new ContractRegistry().topic(topic, userContract);
  const outbox = createOutbox({
    dialect: engine.name === 'PostgreSQL' ? postgresDialect() : mysqlDialect(),
    contracts,
    tables,
    logger: silentLogger,
  });

  beforeAll(async () => {
    cluster.createTopic(topic, 3);
    await engine.transaction(app.database, (tx) => outbox.migrate(tx));
  });
  afterAll(async () => {
    const executor =
      engine.name === 'PostgreSQL' ? postgresExecutor(app.database as never) : mysqlExecutor(app.database as never);
    for (const t of [tables.outbox, tables.failed, tables.inbox, `${tables.outbox}_key_locks`]) {
      await executor.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await app.end();
  });

  it("a quarantined user-created holds the user's updates on the real client; after the operator's retry they arrive in insertion order", async () => {
    const write = (key: string, type: string, value: unknown) =>
      engine.transaction(app.database, (tx) => outbox.write(tx, { topic, key, type, value }));
    const acknowledged = new Set<string>();
    const relay = createOutboxRelay({
      outbox,
      database: app.database,
      driver: mockDriver(cluster),
      pollIntervalMs: 20,
      logger: silentLogger,
    });
    relay.on('acknowledged', ({ ids }) => ids.forEach((id) => acknowledged.add(id)));
    await relay.start();
    try {
      const bad = await write('u1', 'user-created', { email: 'not-an-email' });
      if (bad.status !== 'quarantined') throw new Error('expected a quarantine');
      const updates = [
        (await write('u1', 'user-updated', { n: 1 })).id,
        (await write('u1', 'user-updated', { n: 2 })).id,
      ];
      const others = [
        (await write('u2', 'user-created', { email: 'u2@example.com' })).id,
        (await write('u2', 'user-updated', { n: 1 })).id,
      ];
      const marker = (await write('u3', 'user-created', { email: 'u3@example.com' })).id;
      await waitFor(() => [...others, marker].every((id) => acknowledged.has(id)), { timeoutMs: 20_000 });
      expect(updates.some((id) => acknowledged.has(id))).toBe(false);

      const executor =
        engine.name === 'PostgreSQL' ? postgresExecutor(app.database as never) : mysqlExecutor(app.database as never);
      const failed = createFailedMessages({
        store: new SqlFailedMessageStore({ executor, table: tables.failed }),
        contracts,
        outbox: { outbox, database: app.database },
      });
      await failed.edit(bad.failureId, (m) => ({ ...m, value: { email: 'u1@example.com' } }));
      await failed.retry(bad.failureId, { to: 'outbox' });
      await waitFor(() => [bad.id, ...updates].every((id) => acknowledged.has(id)), { timeoutMs: 20_000 });

      const records = await readTopic(mockDriver(cluster), topic, { timeoutMs: 30_000 });
      const byKey = (key: string) =>
        records
          .filter((r) => r.key?.toString('utf8') === key)
          .sort((a, b) => a.offset - b.offset)
          .map((r) => String(r.headers['ordo-id']));
      expect(byKey('u1')).toEqual([bad.id, ...updates]);
      expect(byKey('u2')).toEqual(others);
    } finally {
      await relay.stop();
    }
  }, 60_000);
});
