import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { silentLogger } from '../internal/logger.js';
import { produceKeyed } from '../testing/conformance/harness.js';
import { OrderingInvariant } from '../testing/invariants.js';
import { randomDelay, waitFor } from '../testing/wait-for.js';
import { createConsumer } from './consumer.js';

describe('consumer engine: order (O1) and parallelism', () => {
  it('tells keys apart by their bytes, even bytes that are not UTF-8', async () => {
    // 0xff and 0xfe both decode to U+FFFD as UTF-8; as keys they are different.
    const kafka = new InMemoryKafka({ topics: [{ name: 'raw', partitions: 1 }] });
    const producer = kafka.createProducer();
    await producer.connect();
    const record = (key: number[], n: number) => ({
      topic: 'raw',
      key: Buffer.from(key),
      value: Buffer.from(JSON.stringify({ n })),
      headers: { 'ordo-type': 'tick' },
    });
    await producer.send([record([0xff], 1), record([0xfe], 2)]);
    const consumer = createConsumer({ driver: kafka, groupId: 'bytes', topics: ['raw'], logger: silentLogger });
    let secondStarted!: () => void;
    const second = new Promise<void>((resolve) => (secondStarted = resolve));
    const handled: number[] = [];
    consumer.handle<{ n: number }>('raw', 'tick', async (event) => {
      // The first waits for the second: only different lanes can both run.
      if (event.value.n === 1) await second;
      else secondStarted();
      handled.push(event.value.n);
    });
    await consumer.start();
    await waitFor(() => handled.length === 2, { timeoutMs: 5_000 });
    await consumer.stop();
    expect(handled).toEqual([2, 1]);
  });

  it('keeps per-key order over 10,000 events and 500 keys with 64 in flight and random delays', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 4 }] });
    const produced = await produceKeyed(kafka, 'users', 10_000, 500);
    const invariant = new OrderingInvariant(produced);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'o1',
      topics: ['users'],
      concurrency: { mode: 'key', maxInFlight: 64 },
      logger: silentLogger,
    });
    let inFlight = 0;
    let peak = 0;
    const seqByKey = new Map<string, number[]>();
    consumer.handle<{ seq: number }>('users', 'tick', async (event) => {
      peak = Math.max(peak, ++inFlight);
      await randomDelay(3);
      inFlight--;
      invariant.observe(event);
      seqByKey.set(event.key!, [...(seqByKey.get(event.key!) ?? []), event.value.seq]);
    });
    await consumer.start();
    await waitFor(() => invariant.complete(), { timeoutMs: 60_000 });
    await consumer.stop();

    expect(invariant.violations).toEqual([]);
    expect(invariant.duplicates).toBe(0);
    expect(peak).toBe(64);
    // Each key saw its events in publish order: seq k, k+500, k+1000, ...
    for (const [key, seqs] of seqByKey) {
      const k = Number(key.slice('key-'.length));
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => k + i * 500));
    }
  });

  it('runs one event per partition at a time in partition mode', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'ledger', partitions: 2 }] });
    const produced = await produceKeyed(kafka, 'ledger', 400, 40);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'strict',
      topics: ['ledger'],
      concurrency: { mode: 'partition', maxInFlight: 64 },
      logger: silentLogger,
    });
    const running = new Map<number, number>();
    const order = new Map<number, number[]>();
    let overlap = false;
    consumer.handle('ledger', 'tick', async (event) => {
      const n = (running.get(event.partition) ?? 0) + 1;
      running.set(event.partition, n);
      if (n > 1) overlap = true;
      await randomDelay(1);
      running.set(event.partition, n - 1);
      order.set(event.partition, [...(order.get(event.partition) ?? []), event.offset]);
    });
    await consumer.start();
    await waitFor(() => [...order.values()].flat().length === produced.length);
    await consumer.stop();
    expect(overlap).toBe(false);
    for (const offsets of order.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('handles keyless events without ordering them behind one another', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'metrics', partitions: 1 }] });
    const producer = kafka.createProducer();
    await producer.connect();
    await producer.send(
      Array.from({ length: 20 }, (_, i) => ({
        topic: 'metrics',
        key: null,
        value: Buffer.from(JSON.stringify({ i })),
        headers: { 'ordo-type': 'sample' },
      })),
    );
    const consumer = createConsumer({ driver: kafka, groupId: 'm', topics: ['metrics'], logger: silentLogger });
    let inFlight = 0;
    let peak = 0;
    consumer.handle('metrics', 'sample', async () => {
      peak = Math.max(peak, ++inFlight);
      await randomDelay(5);
      inFlight--;
    });
    await consumer.start();
    await waitFor(() => kafka.committed('m', { topic: 'metrics', partition: 0 }) === 20);
    await consumer.stop();
    expect(peak).toBeGreaterThan(1);
  });
});
