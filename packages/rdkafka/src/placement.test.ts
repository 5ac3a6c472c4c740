import { createProducer, partitionFor, type ConsumedRecord } from '@ordo/core';
import { KAFKA_MURMUR2_VECTORS, KAFKA_STREAMS_PLACEMENTS_3, javaPartition, waitFor } from '@ordo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

/** Publishes each key through Ordo on rdkafka, then reads back where every record landed. */
async function landings(topic: string, partitions: number, keys: readonly string[]): Promise<Map<string, number>> {
  const driver = mockDriver(cluster);
  await driver.admin().ensureTopics([{ name: topic, partitions }]);
  const producer = createProducer({ driver });
  const reports = await producer.publishMany(keys.map((key) => ({ topic, key, type: 'placed', value: key })));
  await producer.disconnect();
  const consumer = driver.createConsumer({ groupId: `${topic}-reader` });
  const seen: ConsumedRecord[] = [];
  await consumer.subscribe([topic], {
    onAssign: () => undefined,
    onRevoke: async () => undefined,
    onLost: () => undefined,
    onRecords: (batch) => void seen.push(...batch.records),
    onError: () => undefined,
  });
  try {
    await waitFor(() => seen.length >= keys.length, { timeoutMs: 30_000 });
  } finally {
    await consumer.disconnect();
  }
  const landed = new Map(seen.map((r) => [r.key!.toString(), r.partition]));
  // The delivery report and the consumed record agree.
  reports.forEach((r, i) => expect(landed.get(keys[i]!)).toBe(r.partition));
  return landed;
}

describe('O5: keyed records land where Kafka’s Java client puts them', () => {
  for (const partitions of [12, 100]) {
    it(`on ${partitions} partitions, for every murmur2 vector of Kafka's UtilsTest`, async () => {
      const keys = KAFKA_MURMUR2_VECTORS.map(([key]) => key);
      const landed = await landings(`placement-vectors-${partitions}`, partitions, keys);
      for (const [key, hash] of KAFKA_MURMUR2_VECTORS)
        expect(landed.get(key), key).toBe(javaPartition(hash, partitions));
    }, 60_000);

    it(`on ${partitions} partitions, for 2,000 keys, as partitionFor computes`, async () => {
      const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}-${(i * 7919).toString(36)}`);
      const landed = await landings(`placement-many-${partitions}`, partitions, keys);
      for (const key of keys) expect(landed.get(key), key).toBe(partitionFor(key, partitions));
      expect(new Set(landed.values()).size).toBe(partitions);
    }, 60_000);
  }

  it('keys with NUL characters reach the broker byte for byte, where Java places them', async () => {
    // A C string ends at NUL: a key handed to librdkafka as text would arrive as "a".
    const keys = ['a\u0000b', '\u0000', 'user\u0000-1', 'a'];
    const landed = await landings('placement-nul-keys', 12, keys);
    expect([...landed.keys()].sort()).toEqual([...keys].sort());
    for (const key of keys) expect(landed.get(key), JSON.stringify(key)).toBe(partitionFor(key, 12));
  }, 60_000);

  it('on 3 partitions, for the keys Kafka Streams pre-computed', async () => {
    const keys = KAFKA_STREAMS_PLACEMENTS_3.map((_, i) => String(i));
    const landed = await landings('placement-streams-3', 3, keys);
    expect(keys.map((k) => landed.get(k))).toEqual(KAFKA_STREAMS_PLACEMENTS_3);
  }, 60_000);
});
