import { expect, it } from 'vitest';
import { partitionFor } from '../../partition/partitioner.js';
import { waitFor } from '../wait-for.js';
import { collectingListener } from './round-trip.js';
import { uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** Keyed records land where Kafka's Java client would put them (O5). */
export function placementTests(ctx: () => ConformanceContext): void {
  it('places keyed records exactly like murmur2 (Java client) on 12 partitions', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('placement');
    await driver.admin().ensureTopics([{ name: topic, partitions: 12 }]);
    const [described] = await driver.admin().describeTopics([topic]);
    expect(described!.partitions).toBe(12);
    const keys = Array.from({ length: 300 }, (_, i) => `user-${i}-${'x'.repeat(i % 7)}`);
    const producer = driver.createProducer();
    await producer.connect();
    const reports = await producer.send(keys.map((k) => ({ topic, key: Buffer.from(k), value: Buffer.from(k) })));
    await producer.disconnect();
    reports.forEach((r, i) => expect(r.partition, keys[i]).toBe(partitionFor(keys[i]!, 12)));

    const listener = collectingListener();
    const consumer = driver.createConsumer({ groupId: uniqueGroup('placement') });
    await consumer.subscribe([topic], listener);
    try {
      await waitFor(() => listener.records.length >= keys.length, { timeoutMs });
      for (const r of listener.records) expect(r.partition).toBe(partitionFor(r.key!.toString(), 12));
    } finally {
      await consumer.disconnect();
    }
  });

  it('honours an explicit partition', async () => {
    const { driver } = ctx();
    const topic = uniqueTopic('explicit');
    await driver.admin().ensureTopics([{ name: topic, partitions: 3 }]);
    const producer = driver.createProducer();
    await producer.connect();
    const [report] = await producer.send([{ topic, key: Buffer.from('a'), value: Buffer.from('v'), partition: 2 }]);
    await producer.disconnect();
    expect(report!.partition).toBe(2);
    const marks = await driver.admin().watermarks(topic, 2);
    expect(marks.high - marks.low).toBe(1);
  });
}
