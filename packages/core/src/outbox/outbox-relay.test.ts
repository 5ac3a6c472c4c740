import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { DatabaseError } from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import { checkPublishedOrder } from '../testing/outbox-order.js';
import { waitFor } from '../testing/wait-for.js';
import { createOutboxRelay, type OutboxRelay, type OutboxRelayConfig, type OutboxRelayEvents } from './outbox-relay.js';
import { createOutbox, type Outbox } from './outbox.js';
import {
  OUTBOX_DATABASES,
  killLeaseHolder,
  outboxTables,
  publishedEvents,
  type OutboxTestDatabase,
} from './outbox.test-support.js';

const PARTITIONS = 4;

describe.each(OUTBOX_DATABASES)('outbox relay on %s', (name, connect) => {
  let db: OutboxTestDatabase;
  let outbox: Outbox;
  let tables: ReturnType<typeof outboxTables>;
  let kafka: InMemoryKafka;
  const relays: OutboxRelay[] = [];
  const extraDatabases: OutboxTestDatabase[] = [];

  beforeAll(async () => {
    db = await connect();
    tables = outboxTables();
    outbox = createOutbox({ dialect: db.dialect, tables, logger: silentLogger });
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

  function relay(overrides: Partial<OutboxRelayConfig> = {}): OutboxRelay {
    kafka ??= new InMemoryKafka({ partitions: PARTITIONS });
    const r = createOutboxRelay({
      outbox,
      database: db.database,
      driver: kafka,
      pollIntervalMs: 50,
      logger: silentLogger,
      ...overrides,
    });
    relays.push(r);
    return r;
  }
  const write = (key: string | null, n: number, topic = 'orders') =>
    db.transaction((tx) => outbox.write(tx, { topic, key, type: 'order-placed', value: { key, n } }));
  const published = (topic = 'orders') => publishedEvents(kafka, topic, PARTITIONS);
  const remaining = async () => (await db.query(`SELECT seq FROM ${tables.outbox}`)).length;

  it('publishes committed rows per key in insertion order, as a direct publish would, and deletes them', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const ids: string[] = [];
    for (let n = 0; n < 30; n++) ids.push((await write(`k${n % 3}`, n)).id);
    await relay().start();
    await waitFor(() => published().length === 30, { timeoutMs: 10_000 });
    const events = published();
    const expected = new Map(['k0', 'k1', 'k2'].map((k) => [k, ids.filter((_, n) => `k${n % 3}` === k)]));
    expect(checkPublishedOrder(expected, events)).toEqual({ missing: [], unexpected: [], reordered: [], repeats: 0 });
    const first = events.find((e) => e.id === ids[0])!;
    expect(first.type).toBe('order-placed');
    expect(first.value).toEqual({ key: 'k0', n: 0 });
    expect(first.record.headers['content-type']).toBe('application/json');
    await expect.poll(remaining, { timeout: 5_000 }).toBe(0);
  });

  it('does not publish a row before its transaction commits', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await relay().start();
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const tx = db.transaction(async (t) => {
      await outbox.write(t, { topic: 'orders', key: 'open', type: 'order-placed', value: 1 });
      await committed;
    });
    // PGlite runs one transaction at a time, so the relay waits for the open one anyway.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(published()).toHaveLength(0);
    commit();
    await tx;
    await waitFor(() => published().length === 1, { timeoutMs: 5_000 });
  });

  it.runIf(name !== 'mariadb')('wakes up on NOTIFY instead of waiting for the next poll', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    await relay({ pollIntervalMs: 60_000, leaseIntervalMs: 60_000 }).start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await write('notify', 1);
    await waitFor(() => published().length === 1, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('splits shards between relays through leases, and a survivor takes over a stopped relay', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const other = await db.another();
    extraDatabases.push(other);
    const a = relay({ shards: 4, maxShards: 2, leaseIntervalMs: 100 });
    const b = relay({ shards: 4, leaseIntervalMs: 100, database: other.database });
    await a.start();
    // Leases are taken by the relay's loop, after start() returns.
    await waitFor(() => a.ownedShards.length === 2, { timeoutMs: 5_000 });
    await b.start();
    await waitFor(() => a.ownedShards.length + b.ownedShards.length === 4, { timeoutMs: 5_000 });
    expect(a.ownedShards).toHaveLength(2);
    expect([...a.ownedShards, ...b.ownedShards].sort()).toEqual([0, 1, 2, 3]);
    for (let n = 0; n < 40; n++) await write(`s${n}`, n);
    await waitFor(() => published().length === 40, { timeoutMs: 10_000 });
    await a.stop();
    await waitFor(() => b.ownedShards.length === 4, { timeoutMs: 5_000 });
    for (let n = 0; n < 40; n++) await write(`s${n}`, n);
    await waitFor(() => published().length === 80, { timeoutMs: 10_000 });
  });

  // The topic opts out of key holds: the old behaviour, where the key's later rows go on.
  const withoutHolds = () =>
    createOutbox({
      dialect: db.dialect,
      tables,
      topics: { orders: { holdKeyOnFailure: false } },
      logger: silentLogger,
    });

  it('moves a row the broker refuses for good to the failed-outbox table and goes on (topic opted out of key holds)', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS, maxRecordBytes: 2_000 });
    const failed: Array<OutboxRelayEvents['row-failed']> = [];
    await write('big', 0);
    const big = await db.transaction((tx) =>
      outbox.write(tx, { topic: 'orders', key: 'big', type: 'order-placed', value: 'x'.repeat(5_000) }),
    );
    await write('big', 2);
    const r = relay({ outbox: withoutHolds() });
    r.on('row-failed', (e) => failed.push(e));
    await r.start();
    await waitFor(() => published().length === 2 && failed.length === 1, { timeoutMs: 10_000 });
    expect(failed[0]).toMatchObject({ id: big.id, holdsKey: false });
    const rows = await db.query<{ message_id: string; origin: string; error: string }>(
      `SELECT * FROM ${tables.failed}`,
    );
    expect(rows).toMatchObject([{ message_id: big.id, origin: 'relay' }]);
    expect(rows[0]!.error).toMatch(/over the limit/);
    await expect.poll(remaining, { timeout: 5_000 }).toBe(0);
  });

  it('keeps rows in the outbox through a fatal producer error, renews the producer and publishes them in order', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await write('fatal', n)).id);
    kafka.faults.failNextSends(1, { retriable: false, message: 'producer fenced' });
    const errors: Array<OutboxRelayEvents['error']> = [];
    const r = relay({ backoff: { initialMs: 10, maxMs: 20 } });
    r.on('error', (e) => errors.push(e));
    await r.start();
    await waitFor(() => published().length === 5, { timeoutMs: 10_000 });
    expect(errors.map((e) => e.error.code)).toEqual(['ORDO_DELIVERY_FAILED']);
    expect(published().map((e) => e.id)).toEqual(ids);
    expect(await db.query(`SELECT * FROM ${tables.failed}`)).toEqual([]);
  });

  it('moves a row whose stored headers are not JSON aside, keeping the rest in order (topic opted out of key holds)', async () => {
    kafka = new InMemoryKafka({ partitions: PARTITIONS });
    const before = (await write('hdr', 0)).id;
    const broken = (await write('hdr', 1)).id;
    const after = (await write('hdr', 2)).id;
    await db.query(`UPDATE ${tables.outbox} SET headers = ? WHERE id = ?`, ['not json', broken]);
    await relay({ outbox: withoutHolds() }).start();
    await waitFor(() => published().length === 2, { timeoutMs: 10_000 });
    expect(published().map((e) => e.id)).toEqual([before, after]);
    await expect.poll(async () => (await db.query(`SELECT message_id FROM ${tables.failed}`)).length).toBe(1);
  });

  it.runIf(name !== 'pglite')(
    'survives the database dropping its connection between produce and delete: repeats only, no gap, no reordering',
    async () => {
      kafka = new InMemoryKafka({ partitions: PARTITIONS });
      let kills = 0;
      // The connection dies right after the broker acknowledged the batch, before the delete.
      const crashing = {
        ...kafka,
        name: kafka.name,
        capabilities: kafka.capabilities,
        admin: () => kafka.admin(),
        createConsumer: (o: Parameters<InMemoryKafka['createConsumer']>[0]) => kafka.createConsumer(o),
        createProducer() {
          const producer = kafka.createProducer();
          return {
            connect: () => producer.connect(),
            disconnect: () => producer.disconnect(),
            async send(records: Parameters<typeof producer.send>[0]) {
              const reports = await producer.send(records);
              if (kills < 2 && (await killLeaseHolder(db, outbox.tables.outbox))) kills++;
              return reports;
            },
          };
        },
      };
      const ids: Array<{ key: string; id: string }> = [];
      for (let n = 0; n < 60; n++) ids.push({ key: `c${n % 5}`, id: (await write(`c${n % 5}`, n)).id });
      const errors: Array<OutboxRelayEvents['error']> = [];
      const first = relay({ driver: crashing, batchSize: 10, backoff: { initialMs: 20, maxMs: 50 } });
      first.on('error', (e) => errors.push(e));
      await first.start();
      await waitFor(() => kills === 2 && published().length >= 60, { timeoutMs: 15_000 });
      await expect.poll(remaining, { timeout: 10_000 }).toBe(0);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.error).toBeInstanceOf(DatabaseError);
      const expected = new Map<string, string[]>();
      for (const { key, id } of ids) expected.set(key, [...(expected.get(key) ?? []), id]);
      const report = checkPublishedOrder(expected, published());
      expect(report).toMatchObject({ missing: [], unexpected: [], reordered: [] });
      expect(report.repeats).toBeGreaterThan(0);
    },
  );
});
