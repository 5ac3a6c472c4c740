import { randomUUID } from 'node:crypto';
import {
  createConsumer,
  createProducer,
  silentLogger,
  type ConsumerListener,
  type DriverConsumer,
  type KafkaDriver,
  type RecordBatch,
} from '@ordo/core';
import { OrderingInvariant, waitFor, type ProducedRef } from '@ordo/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUME_CHUNK } from './rdkafka-consumer.js';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

const PARTITIONS = 6;
// 10,000 records of about 150 bytes per partition: far below the mock's ~5 MB of
// retention per partition, so the whole backlog is still there when it is read.
const BACKLOG = 60_000;
const KEYS = 600;
const MAX_BUFFERED = 100;

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

/**
 * Wraps a driver so that every batch its consumers hand to the engine is seen first:
 * the boundary where "delivered to the engine" is counted.
 */
function watchDeliveries(driver: KafkaDriver, onDelivered: (batch: RecordBatch) => void): KafkaDriver {
  const watch = (listener: ConsumerListener): ConsumerListener => ({
    onAssign: (partitions) => listener.onAssign(partitions),
    onRevoke: (partitions) => listener.onRevoke(partitions),
    onLost: (partitions) => listener.onLost(partitions),
    onError: (error) => listener.onError(error),
    onRecords(batch) {
      onDelivered(batch);
      listener.onRecords(batch);
    },
  });
  return {
    name: driver.name,
    capabilities: driver.capabilities,
    createProducer: () => driver.createProducer(),
    admin: () => driver.admin(),
    createConsumer(options): DriverConsumer {
      const inner = driver.createConsumer(options);
      return {
        get memberId() {
          return inner.memberId;
        },
        subscribe: (topics, listener) => inner.subscribe(topics, watch(listener)),
        pause: (partitions) => inner.pause(partitions),
        resume: (partitions) => inner.resume(partitions),
        seek: (position) => inner.seek(position),
        commit: (offsets) => inner.commit(offsets),
        assignment: () => inner.assignment(),
        disconnect: () => inner.disconnect(),
      };
    },
  };
}

async function produceBacklog(driver: KafkaDriver, topic: string): Promise<ProducedRef[]> {
  const producer = createProducer({ driver });
  const produced: ProducedRef[] = [];
  try {
    const sends: Promise<void>[] = [];
    for (let start = 0; start < BACKLOG; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, j) => ({
        topic,
        key: `key-${(start + j) % KEYS}`,
        type: 'tick',
        value: { seq: start + j },
      }));
      sends.push(
        producer.publishMany(batch).then((results) => {
          results.forEach((r, j) => produced.push({ ...r, key: batch[j]!.key }));
        }),
      );
    }
    await Promise.all(sends);
  } finally {
    await producer.disconnect();
  }
  return produced;
}

describe('backpressure through @ordo/rdkafka on @ordo/kafka-mock', () => {
  it('a 60,000-record backlog is never taken in at once: held records stay within maxBufferedPerPartition x partitions + one fetch', async () => {
    const topic = `backlog-${randomUUID().slice(0, 8)}`;
    cluster.createTopic(topic, PARTITIONS);
    const plain = mockDriver(cluster);
    const produced = await produceBacklog(plain, topic);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      expect((await plain.admin().watermarks(topic, partition)).low, 'retention dropped records').toBe(0);
    }

    // Delivered: first deliveries only (the engine ignores a redelivered offset too).
    const highestDelivered = new Map<number, number>();
    let delivered = 0;
    let handled = 0;
    let maxHeld = 0;
    const driver = watchDeliveries(plain, (batch) => {
      let highest = highestDelivered.get(batch.partition) ?? -1;
      for (const r of batch.records) {
        if (r.offset > highest) {
          highest = r.offset;
          delivered++;
        }
      }
      highestDelivered.set(batch.partition, highest);
      maxHeld = Math.max(maxHeld, delivered - handled);
    });

    const invariant = new OrderingInvariant(produced);
    const consumer = createConsumer({
      driver,
      groupId: `backlog-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      concurrency: { mode: 'key', maxInFlight: 64 },
      maxBufferedPerPartition: MAX_BUFFERED,
      logger: silentLogger,
    });
    consumer.handle(topic, 'tick', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      invariant.observe(event);
      handled++;
    });
    await consumer.start();
    try {
      await waitFor(() => invariant.complete(), {
        timeoutMs: 120_000,
        describe: () => `${invariant.handledCount} of ${BACKLOG} handled, most held ${maxHeld}`,
      });
    } finally {
      await consumer.stop();
    }

    expect(maxHeld).toBeLessThanOrEqual(MAX_BUFFERED * PARTITIONS + CONSUME_CHUNK);
    expect(invariant.violations).toEqual([]);
    expect(invariant.missing()).toEqual([]);
    expect(invariant.duplicates).toBe(0);
    console.log(`[ordo] backpressure test: at most ${maxHeld} records held (delivered, not yet handled)`);
  }, 180_000);
});
