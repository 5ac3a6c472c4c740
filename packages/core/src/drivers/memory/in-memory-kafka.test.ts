import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsumer } from '../../consumer/consumer.js';
import type { ConsumedRecord, ConsumerListener, TopicPartition } from '../../driver/types.js';
import { InvalidConfigError, NotMemberError, UnknownTopicError } from '../../errors.js';
import { silentLogger } from '../../internal/logger.js';
import { createProducer } from '../../producer/producer.js';
import { waitFor } from '../../testing/wait-for.js';
import { InMemoryKafka } from './in-memory-kafka.js';

function listener(): ConsumerListener & { records: ConsumedRecord[]; owned: TopicPartition[] } {
  const l = {
    records: [] as ConsumedRecord[],
    owned: [] as TopicPartition[],
    onAssign: (tps: readonly TopicPartition[]) => void l.owned.push(...tps),
    onRevoke: async (tps: readonly TopicPartition[]) => {
      l.owned = l.owned.filter((o) => !tps.some((t) => t.partition === o.partition && t.topic === o.topic));
    },
    onLost: () => undefined,
    onRecords: (b: { records: readonly ConsumedRecord[] }) => void l.records.push(...b.records),
    onError: () => undefined,
  };
  return l;
}

async function send(kafka: InMemoryKafka, topic: string, count: number, partition?: number) {
  const p = kafka.createProducer();
  await p.connect();
  return p.send(
    Array.from({ length: count }, (_, i) => ({
      topic,
      key: Buffer.from(`k${i}`),
      value: Buffer.from(`${i}`),
      ...(partition === undefined ? {} : { partition }),
    })),
  );
}

describe('InMemoryKafka', () => {
  afterEach(() => void vi.useRealTimers());

  it('creates topics on first use with the default partition count, or refuses when told to', async () => {
    const kafka = new InMemoryKafka({ partitions: 3 });
    await send(kafka, 'auto', 1);
    expect(await kafka.admin().describeTopics(['auto'])).toEqual([{ name: 'auto', partitions: 3 }]);
    const strict = new InMemoryKafka({ autoCreateTopics: false });
    await expect(send(strict, 'missing', 1)).rejects.toThrow(UnknownTopicError);
    await expect(strict.admin().describeTopics(['missing'])).rejects.toThrow(UnknownTopicError);
  });

  it('grows a topic with ensureTopics but never shrinks it', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 4 }] });
    await kafka.admin().ensureTopics([{ name: 't', partitions: 2 }]);
    expect((await kafka.admin().describeTopics(['t']))[0]!.partitions).toBe(4);
    await kafka.admin().ensureTopics([{ name: 't', partitions: 6 }]);
    expect((await kafka.admin().describeTopics(['t']))[0]!.partitions).toBe(6);
  });

  it('rejects hostile topic names and bad options', async () => {
    const kafka = new InMemoryKafka();
    await expect(kafka.admin().ensureTopics([{ name: '../etc/passwd', partitions: 1 }])).rejects.toThrow(
      /Invalid topic name/,
    );
    await expect(kafka.admin().ensureTopics([{ name: 'ok', partitions: 0 }])).rejects.toThrow(
      /positive partition count/,
    );
    expect(() => new InMemoryKafka({ partitions: 0 })).toThrow(InvalidConfigError);
  });

  it('starts a new group at the earliest or latest offset, and an old one at its commit', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 1 }] });
    await send(kafka, 't', 5);
    const latest = listener();
    const c1 = kafka.createConsumer({ groupId: 'late', autoOffsetReset: 'latest' });
    await c1.subscribe(['t'], latest);
    const earliest = listener();
    const c2 = kafka.createConsumer({ groupId: 'early' });
    await c2.subscribe(['t'], earliest);
    await waitFor(() => earliest.records.length === 5);
    expect(latest.records).toHaveLength(0);
    await c2.commit([{ topic: 't', partition: 0, offset: 3 }]);
    await c2.disconnect();
    const again = listener();
    const c3 = kafka.createConsumer({ groupId: 'early' });
    await c3.subscribe(['t'], again);
    await waitFor(() => again.records.length === 2);
    expect(again.records.map((r) => r.offset)).toEqual([3, 4]);
    await Promise.all([c1.disconnect(), c3.disconnect()]);
  });

  it('rebalances when members join, leave and crash; a crashed member cannot commit', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 6 }] });
    const [la, lb, lc] = [listener(), listener(), listener()];
    const a = kafka.createConsumer({ groupId: 'g' });
    const b = kafka.createConsumer({ groupId: 'g' });
    const c = kafka.createConsumer({ groupId: 'g' });
    await a.subscribe(['t'], la);
    expect(a.assignment()).toHaveLength(6);
    await b.subscribe(['t'], lb);
    await c.subscribe(['t'], lc);
    expect([a, b, c].map((m) => m.assignment().length)).toEqual([2, 2, 2]);
    await b.disconnect();
    expect([a, c].map((m) => m.assignment().length)).toEqual([3, 3]);
    await kafka.crash(c);
    expect(a.assignment()).toHaveLength(6);
    await expect(c.commit([{ topic: 't', partition: 0, offset: 1 }])).rejects.toThrow(NotMemberError);
    expect(kafka.assignments('g').size).toBe(1);
    await a.disconnect();
  });

  it('moves the fetch position with seek', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 1 }] });
    await send(kafka, 't', 5);
    const l = listener();
    const c = kafka.createConsumer({ groupId: 'g' });
    await c.subscribe(['t'], l);
    await waitFor(() => l.records.length === 5);
    c.seek({ topic: 't', partition: 0, offset: 2 });
    await waitFor(() => l.records.length === 8);
    expect(l.records.slice(5).map((r) => r.offset)).toEqual([2, 3, 4]);
    await c.disconnect();
  });

  it('drops old records past retention and resets a position that fell off', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 1 }], retentionRecords: 3 });
    await send(kafka, 't', 10);
    expect(await kafka.admin().watermarks('t', 0)).toEqual({ low: 7, high: 10 });
    const l = listener();
    const c = kafka.createConsumer({ groupId: 'g' });
    await c.subscribe(['t'], l);
    await waitFor(() => l.records.length === 3);
    expect(l.records.map((r) => r.offset)).toEqual([7, 8, 9]);
    await c.disconnect();
  });

  it('stalls a partition until it is released', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 1 }] });
    kafka.faults.stall({ topic: 't', partition: 0 });
    await send(kafka, 't', 2);
    const l = listener();
    const c = kafka.createConsumer({ groupId: 'g' });
    await c.subscribe(['t'], l);
    await new Promise((r) => setTimeout(r, 20));
    expect(l.records).toHaveLength(0);
    kafka.faults.unstall({ topic: 't', partition: 0 });
    await waitFor(() => l.records.length === 2);
    await c.disconnect();
  });

  it('fails injected commits retriably; the engine commits again later', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 1 }] });
    const producer = createProducer({ driver: kafka });
    await producer.publish({ topic: 't', key: 'k', type: 'e', value: 1 });
    kafka.faults.failNextCommits(2);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['t'],
      commitIntervalMs: 1,
      logger: silentLogger,
    });
    const errors: string[] = [];
    consumer.on('error', (e) => errors.push(e.error.code));
    consumer.handle('t', 'e', () => undefined);
    await consumer.start();
    await waitFor(() => kafka.committed('g', { topic: 't', partition: 0 }) === 1);
    await consumer.stop();
    expect(errors).toEqual(['ORDO_DRIVER_ERROR', 'ORDO_DRIVER_ERROR']);
  });

  it('is deterministic under fake timers: retries advance with the clock, nothing else waits on it', async () => {
    vi.useFakeTimers();
    const kafka = new InMemoryKafka({ topics: [{ name: 't', partitions: 2 }] });
    const producer = createProducer({ driver: kafka });
    await producer.publishMany([
      { topic: 't', key: 'a', type: 'e', value: 1 },
      { topic: 't', key: 'a', type: 'e', value: 2 },
    ]);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['t'],
      retry: { attempts: 2, backoff: { initialMs: 1000, jitter: 'none' } },
      logger: silentLogger,
    });
    const seen: Array<[number, number]> = [];
    consumer.handle<number>('t', 'e', (event, ctx) => {
      seen.push([event.value, ctx.attempt]);
      if (event.value === 1 && ctx.attempt === 1) throw new Error('transient');
    });
    await consumer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([[1, 1]]);
    await vi.advanceTimersByTimeAsync(999);
    expect(seen).toEqual([[1, 1]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([
      [1, 1],
      [1, 2],
      [2, 1],
    ]);
    const stopped = consumer.stop();
    await vi.runAllTimersAsync();
    await stopped;
  });
});
