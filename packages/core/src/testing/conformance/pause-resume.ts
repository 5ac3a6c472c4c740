import { expect, it } from 'vitest';
import { waitFor } from '../wait-for.js';
import { collectingListener } from './round-trip.js';
import { uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/**
 * A paused partition delivers nothing until resumed, then everything: also what the
 * driver had already fetched when it was paused (the engine's backpressure relies on it).
 */
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

  it('delivers nothing of a partition paused from onRecords, though more was fetched; after resume all of it, in order, once', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('pause-fetched');
    await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
    // The backlog is there before the consumer joins, so a driver fetches ahead of what it delivers.
    const producer = driver.createProducer();
    await producer.connect();
    const reports = await producer.send(
      Array.from({ length: 3000 }, (_, i) => ({ topic, key: null, value: Buffer.from(`r-${i}`), partition: 0 })),
    );
    await producer.disconnect();
    const partition = { topic, partition: 0 };
    const offsets: number[] = [];
    let paused = true;
    let deliveredWhilePaused = 0;
    let firstBatch = 0;
    const consumer = driver.createConsumer({ groupId: uniqueGroup('pause-fetched'), maxBatchSize: 100 });
    await consumer.subscribe([topic], {
      ...collectingListener(),
      onRecords(batch) {
        if (firstBatch === 0) {
          // As the engine does when a batch fills its buffer.
          firstBatch = batch.records.length;
          consumer.pause([partition]);
        } else if (paused) {
          deliveredWhilePaused += batch.records.length;
        }
        offsets.push(...batch.records.map((r) => r.offset));
      },
    });
    try {
      await waitFor(() => firstBatch > 0, { timeoutMs });
      await new Promise((r) => setTimeout(r, 500));
      expect(deliveredWhilePaused).toBe(0);
      expect(firstBatch).toBeLessThanOrEqual(100);
      paused = false;
      consumer.resume([partition]);
      await waitFor(() => offsets.length >= reports.length, { timeoutMs });
      await new Promise((r) => setTimeout(r, 200));
      expect(offsets).toEqual(reports.map((r) => r.offset));
    } finally {
      await consumer.disconnect();
    }
  });

  it('assigns a partition again unpaused when it comes back after being revoked while paused', async () => {
    const { driver, timeoutMs } = ctx();
    const topic = uniqueTopic('pause-moved');
    const groupId = uniqueGroup('pause-moved');
    await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const first = collectingListener();
    const a = driver.createConsumer({ groupId });
    await a.subscribe([topic], first);
    const b = driver.createConsumer({ groupId });
    try {
      await waitFor(() => first.assigned === 2, { timeoutMs });
      const both = [0, 1].map((partition) => ({ topic, partition }));
      a.pause(both);
      const second = collectingListener();
      await b.subscribe([topic], second);
      await waitFor(() => second.assigned === 1 && first.assigned === 1, { timeoutMs });
      const moved = b.assignment()[0]!.partition;
      await b.disconnect();
      await waitFor(() => first.assigned === 2, { timeoutMs });
      const producer = driver.createProducer();
      await producer.connect();
      await producer.send(both.map((tp) => ({ ...tp, key: null, value: Buffer.from(`to-${tp.partition}`) })));
      await producer.disconnect();
      // The partition that came back starts a new assignment; the one that stayed is still paused.
      await waitFor(() => first.records.length > 0, { timeoutMs });
      await new Promise((r) => setTimeout(r, 300));
      expect(first.records.map((r) => r.partition)).toEqual([moved]);
    } finally {
      await b.disconnect();
      await a.disconnect();
    }
  }, 90_000);
}
