import { expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';
import { collectingListener } from './round-trip.js';
import { uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** A paused partition delivers nothing until resumed, then everything. */
export function pauseResumeTests(ctx: () => ConformanceContext): void {
  it('delivers nothing from a paused partition, then everything after resume', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('pause');
    await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const listener = collectingListener();
    const consumer = driver.createConsumer({ groupId: uniqueGroup('pause'), autoOffsetReset: 'earliest' });
    await consumer.subscribe([topic], listener);
    try {
      await waitFor(() => listener.assigned === 2, { timeoutMs });
      const paused = { topic, partition: 0 };
      consumer.pause([paused]);
      const producer = driver.createProducer();
      await producer.connect();
      await producer.send([
        ...Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: Buffer.from(`p0-${i}`), partition: 0 })),
        ...Array.from({ length: 10 }, (_, i) => ({ topic, key: null, value: Buffer.from(`p1-${i}`), partition: 1 })),
      ]);
      await producer.disconnect();
      await waitFor(() => listener.records.length >= 10, { timeoutMs });
      await new Promise((r) => setTimeout(r, 300));
      expect(listener.records.every((r) => r.partition === 1)).toBe(true);
      consumer.resume([paused]);
      await waitFor(() => listener.records.length >= 20, { timeoutMs });
      expect(listener.records.filter((r) => r.partition === 0).map((r) => r.value!.toString())).toEqual(
        Array.from({ length: 10 }, (_, i) => `p0-${i}`),
      );
    } finally {
      await consumer.disconnect();
    }
  });
}
