import { expect, it } from 'vitest';
import type { ConsumedRecord, ConsumerListener, DriverConsumer } from '../../driver/types.js';
import { waitFor } from '../wait-for.js';
import { uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** A listener that collects records and assignments. */
export function collectingListener(): ConsumerListener & {
  records: ConsumedRecord[];
  assigned: number;
} {
  const state = {
    records: [] as ConsumedRecord[],
    assigned: 0,
    onAssign(tps: readonly unknown[]) {
      state.assigned += tps.length;
    },
    async onRevoke(tps: readonly unknown[]) {
      state.assigned -= tps.length;
    },
    onLost(tps: readonly unknown[]) {
      state.assigned -= tps.length;
    },
    onRecords(batch: { records: readonly ConsumedRecord[] }) {
      state.records.push(...batch.records);
    },
    onError() {},
  };
  return state;
}

/** Headers, null keys, null values and 1 MiB values come back byte for byte. */
export function roundTripTests(ctx: () => ConformanceContext): void {
  it('treats a string key as its UTF-8 bytes: same partition, same bytes back', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('string-key');
    await driver.admin().ensureTopics([{ name: topic, partitions: 12 }]);
    const keys = ['ключ-✓', 'account-42', 'émoji-🙂'];
    const producer = driver.createProducer();
    await producer.connect();
    const reports = await producer.send(
      keys.flatMap((key) => [
        { topic, key, value: Buffer.from('as string') },
        { topic, key: Buffer.from(key, 'utf8'), value: Buffer.from('as bytes') },
      ]),
    );
    await producer.disconnect();
    for (let i = 0; i < keys.length; i++) expect(reports[2 * i]!.partition).toBe(reports[2 * i + 1]!.partition);

    const listener = collectingListener();
    const consumer: DriverConsumer = driver.createConsumer({ groupId: uniqueGroup('string-key') });
    await consumer.subscribe([topic], listener);
    try {
      await waitFor(() => listener.records.length >= keys.length * 2, { timeoutMs });
      const received = listener.records.map((r) => `${r.key?.toString('utf8')}/${r.value?.toString()}`).sort();
      expect(received).toEqual(keys.flatMap((k) => [`${k}/as bytes`, `${k}/as string`]).sort());
    } finally {
      await consumer.disconnect();
    }
  });

  it('settles a send of no records at once, with no reports', async () => {
    const { driver, timeoutMs } = ctx();
    const producer = driver.createProducer();
    await producer.connect();
    try {
      const settled = await Promise.race([
        producer.send([]),
        new Promise((resolve) => setTimeout(() => resolve('still pending'), Math.min(timeoutMs, 2_000))),
      ]);
      expect(settled).toEqual([]);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses header values it cannot carry, rather than mangling them', async () => {
    const { driver } = ctx();
    if (driver.capabilities.binaryHeaders) return;
    const topic = uniqueTopic('headers');
    await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = driver.createProducer();
    await producer.connect();
    try {
      for (const bad of [Buffer.from([0, 255, 1]), 'nul\u0000inside']) {
        const error = await producer
          .send([{ topic, key: null, value: null, headers: { bad } }])
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'ORDO_INVALID_MESSAGE' });
      }
    } finally {
      await producer.disconnect();
    }
    expect((await driver.admin().watermarks(topic, 0)).high).toBe(0);
  });

  it('round-trips headers, null keys, tombstones and 1 MiB values', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('roundtrip');
    await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
    const big = Buffer.alloc(1024 * 1024, 7);
    big.write('start', 0);
    big.write('end', big.length - 3);
    const binary: Record<string, Buffer> = driver.capabilities.binaryHeaders ? { bin: Buffer.from([0, 255, 1]) } : {};
    const producer = driver.createProducer();
    await producer.connect();
    const reports = await producer.send([
      {
        topic,
        key: Buffer.from('k1'),
        value: Buffer.from('{"a":1}'),
        headers: { 'ordo-id': 'id-1', traceparent: '00-abc-01', text: Buffer.from('ünï ✓'), ...binary },
      },
      { topic, key: null, value: Buffer.from('keyless') },
      { topic, key: Buffer.from('k2'), value: null },
      { topic, key: Buffer.from('big'), value: big },
    ]);
    await producer.disconnect();
    expect(reports.map((r) => r.partition)).toEqual([0, 0, 0, 0]);
    expect(reports.map((r) => r.offset - reports[0]!.offset)).toEqual([0, 1, 2, 3]);

    const listener = collectingListener();
    const consumer: DriverConsumer = driver.createConsumer({ groupId: uniqueGroup('roundtrip') });
    await consumer.subscribe([topic], listener);
    try {
      await waitFor(() => listener.records.length >= 4, { timeoutMs });
      const [first, keyless, tombstone, large] = listener.records;
      expect(first!.key?.toString()).toBe('k1');
      expect(first!.value?.toString()).toBe('{"a":1}');
      expect(Buffer.from(first!.headers['ordo-id']!).toString()).toBe('id-1');
      expect(Buffer.from(first!.headers['traceparent']!).toString()).toBe('00-abc-01');
      expect(Buffer.from(first!.headers['text']!).toString()).toBe('ünï ✓');
      if (driver.capabilities.binaryHeaders) expect([...Buffer.from(first!.headers['bin']!)]).toEqual([0, 255, 1]);
      expect(keyless!.key).toBeNull();
      expect(keyless!.value?.toString()).toBe('keyless');
      expect(tombstone!.value).toBeNull();
      expect(large!.value?.length).toBe(big.length);
      expect(large!.value?.equals(big)).toBe(true);
      expect(listener.records.map((r) => r.offset)).toEqual(reports.map((r) => r.offset));
    } finally {
      await consumer.disconnect();
    }
  });
}
