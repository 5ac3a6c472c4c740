import { afterEach, describe, expect, it } from 'vitest';
import { MOCK_RETENTION, startMockCluster, type MockCluster } from './index.js';
import { connectProducer } from './test-support/clients.js';

let cluster: MockCluster | undefined;
afterEach(() => {
  cluster?.close();
  cluster = undefined;
});

/** Produces `count` records of `bytes` each to partition 0, then reads its watermarks. */
async function fill(topic: string, count: number, bytes: number): Promise<{ low: number; high: number }> {
  cluster!.createTopic(topic, 1);
  const { producer, send, close } = await connectProducer(cluster!.bootstrapServers);
  const value = 'x'.repeat(bytes);
  for (let start = 0; start < count; start += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, count - start) }, () => send(topic, null, value, 0)));
  }
  const offsets = await new Promise<{ lowOffset: number; highOffset: number }>((resolve, reject) =>
    producer.queryWatermarkOffsets(topic, 0, 10_000, (error, o) => (error ? reject(error) : resolve(o))),
  );
  await close();
  return { low: offsets.lowOffset, high: offsets.highOffset };
}

// The limits are librdkafka's, not ours: these tests say when a librdkafka upgrade moves them.
describe('MOCK_RETENTION: what a mock partition keeps', () => {
  it('keeps every record while a partition holds less than its byte limit', async () => {
    cluster = startMockCluster({ brokers: 1 });
    const count = Math.floor((MOCK_RETENTION.bytesPerPartition * 0.7) / 1_024);
    expect(await fill('retention-under', count, 1_024)).toEqual({ low: 0, high: count });
  }, 60_000);

  it('drops the oldest records once a partition holds more, moving the low watermark up', async () => {
    cluster = startMockCluster({ brokers: 1 });
    const count = 8_000; // about 8 MB of 1 KB records
    const { low, high } = await fill('retention-over', count, 1_024);
    expect(high).toBe(count);
    expect(low).toBeGreaterThan(0);
    // What is left is about the limit's worth of records: at most one batch over.
    const kept = high - low;
    expect(kept * 1_024).toBeLessThanOrEqual(MOCK_RETENTION.bytesPerPartition * 1.1);
    expect(kept * 1_024).toBeGreaterThan(MOCK_RETENTION.bytesPerPartition * 0.8);
  }, 60_000);
});
