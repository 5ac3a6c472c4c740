import { createProducer, DeliveryError } from '@ordo/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 2 });
});
afterAll(() => cluster.close());

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const timingOut = () => mockDriver(cluster, { producer: { 'message.timeout.ms': 1_500 } });
const record = (topic: string, partition: number, n: number) => ({
  topic,
  partition,
  key: `k${n}`,
  value: Buffer.from(String(n)),
});

async function failureOf(work: Promise<unknown>): Promise<DeliveryError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

describe('delivery failures through node-rdkafka (code -1 in its delivery reports)', () => {
  it('a timed-out record is a retriable DeliveryError, its outcome unknown; one acknowledged is written', async () => {
    const driver = timingOut();
    const topic = unique('timeout');
    await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const producer = driver.createProducer();
    await producer.connect();
    // Warm up: learn both leaders, then take one broker down.
    const [p0, p1] = await producer.send([record(topic, 0, 0), record(topic, 1, 1)]);
    const leaderOf1 = cluster.brokerIds[1]!;
    expect(p0!.offset).toBe(0);
    expect(p1!.offset).toBe(0);
    cluster.setBrokerDown(leaderOf1);
    try {
      const error = await failureOf(producer.send([record(topic, 0, 2), record(topic, 1, 3), record(topic, 0, 4)]));
      expect(error.retriable).toBe(true);
      expect(error.message).toMatch(/timed out/i);
      // The mock places partition leaders round-robin: partition 0 on the live broker.
      expect(error.outcomes).toEqual([
        { state: 'written', topic, partition: 0, offset: 1 },
        { state: 'unknown' },
        { state: 'written', topic, partition: 0, offset: 2 },
      ]);
    } finally {
      cluster.setBrokerUp(leaderOf1);
      await producer.disconnect();
    }
  }, 30_000);

  it("lets the producer's own retry run: a publish outlasts a broker outage longer than message.timeout.ms", async () => {
    const driver = timingOut();
    const topic = unique('outage');
    await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = createProducer({ driver, retry: { attempts: 20, backoff: { initialMs: 100, maxMs: 200 } } });
    await producer.publish({ topic, key: 'a', type: 't', value: 0 });
    for (const id of cluster.brokerIds) cluster.setBrokerDown(id);
    const publishing = producer.publish({ topic, key: 'a', type: 't', value: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const id of cluster.brokerIds) cluster.setBrokerUp(id);
    const result = await publishing;
    expect(result.offset).toBeGreaterThanOrEqual(1);
    await producer.disconnect();
  }, 30_000);
});
