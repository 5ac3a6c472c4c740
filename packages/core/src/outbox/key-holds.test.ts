import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { InvalidStateError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import type { OutgoingMessage } from '../message/message.js';
import { createProducer } from '../producer/producer.js';
import { mysqlExecutor, postgresExecutor } from '../sql/sql-executor.js';
import { checkPublishedOrder } from '../testing/outbox-order.js';
import { waitFor } from '../testing/wait-for.js';
import { createFailedMessages, type FailedMessages } from './failed/failed-messages.js';
import { SqlFailedMessageStore } from './failed/sql-failed-message-store.js';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayConfig, type OutboxRelayEvents } from './outbox-relay.js';
import { createOutbox, type Outbox, type OutboxConfig } from './outbox.js';
import {
  OUTBOX_DATABASES,
  outboxTables,
  publishedEvents,
  recordInsertionOrder,
  type OutboxTestDatabase,
} from './outbox.test-support.js';

const PARTITIONS = 3;
const contracts = new ContractRegistry().topic('users', {
  events: {
    'user-created': {
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
    },
    'user-updated': { type: 'object' },
  },
});

describe.each(OUTBOX_DATABASES)('key holds on %s', (name, connect) => {
  let db: OutboxTestDatabase;
  let tables: ReturnType<typeof outboxTables>;
  let outbox: Outbox;
  let kafka: InMemoryKafka;
  const relays: OutboxRelay[] = [];
  const extraDatabases: OutboxTestDatabase[] = [];

  beforeAll(async () => {
    db = await connect();
    tables = outboxTables();
    outbox = outboxWith({});
    await db.transaction((tx) => outbox.migrate(tx));
  });
  afterEach(async () => {
    for (const relay of relays.splice(0)) await relay.stop();
    await db.query(`DELETE FROM ${tables.outbox}`);
    await db.query(`DELETE FROM ${tables.failed}`);
  });
  afterAll(async () => {
    for (const t of [tables.outbox, tables.failed, tables.inbox, `${tables.outbox}_key_locks`]) {
      await db.query(`DROP TABLE IF EXISTS ${t}`);
    }
    for (const extra of extraDatabases) if (extra !== db) await extra.close();
    await db.close();
  });

  function outboxWith(config: Partial<OutboxConfig>): Outbox {
    return createOutbox({ dialect: db.dialect, contracts, tables, logger: silentLogger, ...config });
  }
  function start(overrides: Partial<OutboxRelayConfig> = {}): OutboxRelay {
    const relay = createOutboxRelay({
      outbox,
      database: db.database,
      driver: kafka,
      pollIntervalMs: 30,
      logger: silentLogger,
      ...overrides,
    });
    relays.push(relay);
    return relay;
  }
  function operator(): FailedMessages {
    const executor =
      db.name === 'mariadb' ? mysqlExecutor(db.database as never) : postgresExecutor(db.database as never);
    return createFailedMessages({
      store: new SqlFailedMessageStore({ executor, table: tables.failed }),
      contracts,
      producer: createProducer({ driver: kafka, contracts }),
      outbox: { outbox, database: db.database },
    });
  }
  const created = (id: string, email = `${id}@example.com`): OutgoingMessage => ({
    topic: 'users',
    key: id,
    type: 'user-created',
    value: { id, email },
  });
  const updated = (id: string, n: number): OutgoingMessage => ({
    topic: 'users',
    key: id,
    type: 'user-updated',
    value: { n },
  });
  const write = async (message: OutgoingMessage, on = outbox) => db.transaction((tx) => on.write(tx, message));
  const published = (key?: string) =>
    publishedEvents(kafka, 'users', PARTITIONS).filter((e) => key === undefined || e.key === key);
  /** Writes a row of a fresh key and waits until it is out: the relay has read past everything before it. */
  async function relayPassedEverythingWritten(): Promise<void> {
    const marker = await write(created(`marker-${Math.random().toString(36).slice(2, 8)}`));
    await waitFor(() => published().some((e) => e.id === marker.id), { timeoutMs: 10_000 });
  }

  /** u1's creation is quarantined, then two updates of u1 and u2's two events commit. */
  async function quarantineBeforeUpdates(on = outbox) {
    const bad = await write(created('u1', 'not-an-email'), on);
    if (bad.status !== 'quarantined') throw new Error('expected a quarantine');
    const updates = [(await write(updated('u1', 1), on)).id, (await write(updated('u1', 2), on)).id];
    const others = [(await write(created('u2'), on)).id, (await write(updated('u2', 1), on)).id];
    return { bad, updates, others };
  }

  it("holds a quarantined event's key, lets other keys flow, and after a retry into the outbox publishes the key in insertion order", async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const held: Array<OutboxRelayEvents['held']> = [];
    const relay = start({ leaseIntervalMs: 50 });
    relay.on('held', (e) => held.push(e));
    await relay.start();
    const { bad, updates, others } = await quarantineBeforeUpdates();
    await waitFor(() => published('u2').length === 2, { timeoutMs: 10_000 });
    await relayPassedEverythingWritten();
    expect(published('u2').map((e) => e.id)).toEqual(others);
    expect(published('u1')).toEqual([]);
    expect(await outbox.heldKeys(db.database as never)).toEqual([
      { topic: 'users', key: 'u1', failureIds: [bad.status === 'quarantined' && bad.failureId], heldRows: 2 },
    ]);
    await waitFor(() => held.some((e) => e.keys === 1 && e.rows === 2), { timeoutMs: 5_000 });

    const failed = operator();
    const failureId = bad.status === 'quarantined' ? bad.failureId : '';
    await failed.edit(failureId, (m) => ({ ...m, value: { id: 'u1', email: 'u1@example.com' } }));
    await failed.retry(failureId, { to: 'outbox' });
    await waitFor(() => published('u1').length === 3, { timeoutMs: 10_000 });
    expect(published('u1').map((e) => [e.id, e.type])).toEqual([
      [bad.id, 'user-created'],
      [updates[0], 'user-updated'],
      [updates[1], 'user-updated'],
    ]);
    expect(published('u1')[0]!.value).toEqual({ id: 'u1', email: 'u1@example.com' });
    expect(await outbox.heldKeys(db.database as never)).toEqual([]);
    // Numbers that end up in the statement are checked, never spliced as given (an
    // operator's command line passes strings).
    for (const query of [
      { shard: { index: '0; DROP TABLE x', count: 2 } },
      { shard: { index: 0, count: '2 OR 1=1' } },
      { shard: { index: 2, count: 2 } },
      { limit: Number.NaN },
      { limit: '5; --' },
    ]) {
      await expect(outbox.heldKeys(db.database as never, query as never)).rejects.toMatchObject({
        code: 'ORDO_INVALID_CONFIG',
      });
    }
    await waitFor(() => held.at(-1)?.keys === 0, { timeoutMs: 5_000 });
    await expect.poll(async () => (await db.query(`SELECT seq FROM ${tables.outbox}`)).length).toBe(0);
  });

  it("releases a held key when the operator deletes the failed event: the key's later rows follow in insertion order", async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await start().start();
    const { bad, updates } = await quarantineBeforeUpdates();
    await waitFor(() => published('u2').length === 2, { timeoutMs: 10_000 });
    await relayPassedEverythingWritten();
    expect(published('u1')).toEqual([]);
    await operator().delete(bad.status === 'quarantined' ? bad.failureId : '');
    await waitFor(() => published('u1').length === 2, { timeoutMs: 10_000 });
    expect(published('u1').map((e) => e.id)).toEqual(updates);
    await expect.poll(async () => (await db.query(`SELECT seq FROM ${tables.outbox}`)).length).toBe(0);
  });

  it('releases a held key after a retry straight to Kafka: the retried event is published before the rows it held', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await start().start();
    const { bad, updates } = await quarantineBeforeUpdates();
    await waitFor(() => published('u2').length === 2, { timeoutMs: 10_000 });
    await relayPassedEverythingWritten();
    const failed = operator();
    const failureId = bad.status === 'quarantined' ? bad.failureId : '';
    await failed.edit(failureId, (m) => ({ ...m, value: { id: 'u1', email: 'u1@example.com' } }));
    await failed.retry(failureId, { to: 'kafka' });
    await waitFor(() => published('u1').length === 3, { timeoutMs: 10_000 });
    expect(published('u1').map((e) => e.id)).toEqual([bad.id, ...updates]);
  });

  it('holds the key of a row the broker refuses for good, and a retry into the outbox puts it back first', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS, maxRecordBytes: 2_000 });
    const big = await write({ topic: 'users', key: 'big', type: 'user-updated', value: { text: 'x'.repeat(5_000) } });
    const later = [(await write(updated('big', 1))).id, (await write(updated('big', 2))).id];
    const other = await write(updated('small', 1));
    const refused: Array<OutboxRelayEvents['row-failed']> = [];
    const relay = start();
    relay.on('row-failed', (e) => refused.push(e));
    await relay.start();
    await waitFor(() => published('small').length === 1 && refused.length === 1, { timeoutMs: 10_000 });
    await relayPassedEverythingWritten();
    expect(published('small')[0]!.id).toBe(other.id);
    expect(published('big')).toEqual([]);
    expect(refused[0]).toMatchObject({ id: big.id, holdsKey: true });
    expect(await outbox.heldKeys(db.database as never)).toEqual([
      { topic: 'users', key: 'big', failureIds: [refused[0]!.failureId], heldRows: 2 },
    ]);
    // The hold is in the database, not in the relay: a relay taking the shard over keeps it.
    await relay.stop();
    await start().start();
    await relayPassedEverythingWritten();
    expect(published('big')).toEqual([]);
    const failed = operator();
    expect((await failed.show(refused[0]!.failureId)).origin).toBe('relay');
    await failed.edit(refused[0]!.failureId, (m) => ({ ...m, value: { text: 'short now' } }));
    await failed.retry(refused[0]!.failureId, { to: 'outbox' });
    await waitFor(() => published('big').length === 3, { timeoutMs: 10_000 });
    expect(published('big').map((e) => e.id)).toEqual([big.id, ...later]);
    expect(published('big')[0]!.value).toEqual({ text: 'short now' });
  });

  it('does not let a held backlog fill the batches: other keys flow with batchSize 3 behind 12 held rows', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await write(created('u1', 'bad'));
    for (let n = 0; n < 12; n++) await write(updated('u1', n));
    const others = [(await write(updated('u7', 1))).id, (await write(updated('u7', 2))).id];
    await start({ batchSize: 3 }).start();
    await waitFor(() => published('u7').length === 2, { timeoutMs: 10_000 });
    expect(published('u7').map((e) => e.id)).toEqual(others);
    expect(published('u1')).toEqual([]);
    expect((await outbox.heldKeys(db.database as never))[0]?.heldRows).toBe(12);
  });

  it('compares keys by their exact text: a held "Key" does not hold "key" or "Key "', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await write(created('Key', 'bad'));
    const held = await write(updated('Key', 1));
    const free = [(await write(updated('key', 1))).id, (await write(updated('Key ', 1))).id];
    await start().start();
    await waitFor(() => published().length === 2, { timeoutMs: 10_000 });
    await relayPassedEverythingWritten();
    expect(published().map((e) => e.id)).toEqual(expect.arrayContaining(free));
    expect(published().some((e) => e.id === held.id)).toBe(false);
  });

  it('with holdKeyOnFailure: false for the topic, keeps the old behaviour: the later rows overtake the quarantined event', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const optedOut = outboxWith({ topics: { users: { holdKeyOnFailure: false } } });
    expect(optedOut.holdsKeyOnFailure('users')).toBe(false);
    expect(optedOut.holdsKeyOnFailure('orders')).toBe(true);
    const { updates } = await quarantineBeforeUpdates(optedOut);
    await start({ outbox: optedOut }).start();
    await waitFor(() => published('u1').length === 2, { timeoutMs: 10_000 });
    expect(published('u1').map((e) => e.id)).toEqual(updates);
    expect(await db.query(`SELECT seq FROM ${tables.outbox} WHERE failure_id IS NOT NULL`)).toEqual([]);
  });

  it('keeps every key in insertion order with concurrent writers, quarantines and two relays, once the operator retried them', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const order = await recordInsertionOrder(db, tables.outbox);
    try {
      const other = await db.another();
      extraDatabases.push(other);
      await start({ shards: 4, maxShards: 2, leaseIntervalMs: 50 }).start();
      await start({ shards: 4, leaseIntervalMs: 50, database: other.database }).start();
      const quarantined: string[] = [];
      await Promise.all(
        Array.from({ length: 4 }, (_, w) =>
          (async () => {
            for (let i = 0; i < 30; i++) {
              const key = `c${(w + i) % 6}`;
              // Every seventh event breaks its contract; its key waits behind it.
              const result = await write(i % 7 === 3 ? created(key, 'bad') : updated(key, i));
              if (result.status === 'quarantined') quarantined.push(result.failureId);
            }
          })(),
        ),
      );
      await relayPassedEverythingWritten();
      const failed = operator();
      for (const failureId of quarantined) {
        await failed.edit(failureId, (m) => ({ ...m, value: { id: m.key, email: 'fixed@example.com' } }));
      }
      // Every other one straight to Kafka, which waits until its key's earlier rows are out.
      let pending = quarantined.map((failureId, n) => ({
        failureId,
        to: n % 2 ? ('outbox' as const) : ('kafka' as const),
      }));
      while (pending.length > 0) {
        const refused: typeof pending = [];
        for (const retry of pending) {
          await failed.retry(retry.failureId, { to: retry.to }).catch((error: unknown) => {
            if (!(error instanceof InvalidStateError)) throw error;
            refused.push(retry);
          });
        }
        pending = refused;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const expected = await order.expected();
      const total = [...expected.values()].reduce((sum, ids) => sum + ids.length, 0);
      await waitFor(() => published().length >= total, { timeoutMs: 20_000 });
      expect(checkPublishedOrder(expected, published())).toMatchObject({ missing: [], unexpected: [], reordered: [] });
    } finally {
      await order.drop();
    }
  });

  it('refuses a retry straight to Kafka while earlier rows of its key wait, which would overtake them', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await write(created('u1', 'bad'));
    await write(updated('u1', 1));
    const second = await write(created('u1', 'bad too'));
    const failed = operator();
    const failureId = second.status === 'quarantined' ? second.failureId : '';
    await failed.edit(failureId, (m) => ({ ...m, value: { id: 'u1', email: 'u1@example.com' } }));
    await expect(failed.retry(failureId, { to: 'kafka' })).rejects.toBeInstanceOf(InvalidStateError);
    expect(published()).toEqual([]);
  });

  it('migrates an outbox table made before key holds, idempotently', async () => {
    const index = db.name === 'mariadb' ? 'ordo_holds' : `${tables.outbox}_holds`;
    await db.query(db.name === 'mariadb' ? `DROP INDEX ${index} ON ${tables.outbox}` : `DROP INDEX ${index}`);
    await db.query(`ALTER TABLE ${tables.outbox} DROP COLUMN failure_id`);
    await db.transaction((tx) => outbox.migrate(tx));
    await db.transaction((tx) => outbox.migrate(tx));
    const bad = await write(created('m1', 'bad'));
    expect(await db.query(`SELECT msg_key FROM ${tables.outbox} WHERE failure_id IS NOT NULL`)).toEqual([
      { msg_key: 'm1' },
    ]);
    expect(bad.status).toBe('quarantined');
  });
});
