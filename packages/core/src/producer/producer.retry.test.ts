import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { DeliveryError } from '../errors.js';
import { NdjsonFailedMessageStore } from '../outbox/failed/ndjson-failed-message-store.js';
import { createProducer } from './producer.js';

const TOPIC = 'orders';
const PARTITIONS = 4;

function setup(backoffMs = 20) {
  const kafka = new InMemoryKafka({ topics: [{ name: TOPIC, partitions: PARTITIONS }] });
  const producer = createProducer({
    driver: kafka,
    retry: { attempts: 4, backoff: { initialMs: backoffMs, maxMs: backoffMs, jitter: 'none' } },
  });
  /** Values stored per key, in offset order. */
  const storedByKey = () => {
    const byKey = new Map<string, number[]>();
    for (let p = 0; p < PARTITIONS; p++) {
      for (const r of kafka.records(TOPIC, p)) {
        const key = r.key!.toString();
        byKey.set(key, [...(byKey.get(key) ?? []), JSON.parse(r.value!.toString()) as number]);
      }
    }
    return byKey;
  };
  const publish = (key: string, n: number) => producer.publish({ topic: TOPIC, key, type: 'step', value: n });
  return { kafka, producer, storedByKey, publish };
}

/** Lets a failed send's rejection reach the producer (the driver reports on a microtask). */
const reported = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A small seeded generator (mulberry32), so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('per-key order across the producer retries (O1 starts at the producer)', () => {
  it("a later publish of a key waits behind that key's retry; other keys are not held", async () => {
    const { kafka, storedByKey, publish } = setup(50);
    kafka.faults.failNextSends(1);
    const first = publish('K', 1);
    await reported(); // K's first send has failed; its retry waits 50 ms
    const second = publish('K', 2);
    let otherDone = false;
    const other = publish('other', 3).then((r) => ((otherDone = true), r));
    await other;
    expect(otherDone).toBe(true);
    expect(storedByKey().get('K')).toBeUndefined(); // neither K send went ahead of the retry
    await Promise.all([first, second]);
    expect(storedByKey().get('K')).toEqual([1, 2]);
  });

  it('a retried batch resends only the records not known written, and returns every result', async () => {
    const { kafka, producer, storedByKey } = setup(1);
    kafka.faults.failNextSends(1, { written: 2 });
    const results = await producer.publishMany(
      [1, 2, 3, 4].map((n) => ({ topic: TOPIC, key: 'K', type: 'step', value: n })),
    );
    expect(storedByKey().get('K')).toEqual([1, 2, 3, 4]); // no duplicates of the written two
    const stored = kafka.records(TOPIC, results[0]!.partition);
    expect(results.map((r) => stored[r.offset]!.headers['ordo-id'])).toEqual(results.map((r) => r.id));
  });

  it('stores only the records not known written as failed messages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ordo-producer-retry-'));
    try {
      const kafka = new InMemoryKafka({ topics: [{ name: TOPIC, partitions: 1 }] });
      const store = new NdjsonFailedMessageStore({ path: join(dir, 'failed.ndjson') });
      const producer = createProducer({ driver: kafka, failedMessages: store });
      kafka.faults.failNextSends(1, { retriable: false, written: 1 });
      const error = (await producer
        .publishMany([1, 2, 3].map((n) => ({ topic: TOPIC, key: 'K', type: 'step', value: n })))
        .catch((e: unknown) => e)) as DeliveryError;
      expect(error).toBeInstanceOf(DeliveryError);
      expect(error.failureIds).toHaveLength(2);
      expect(error.outcomes.map((o) => o.state)).toEqual(['written', 'not-written', 'not-written']);
      expect((await store.list()).map((m) => JSON.parse(m.payload!.toString()) as number)).toEqual([2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('holds per-key order under random failures, partial batches included (seeded)', async () => {
    for (let run = 0; run < 30; run++) {
      const seed = 1_000 + run;
      const random = seeded(seed);
      const { kafka, producer, storedByKey } = setup(2);
      const expected = new Map<string, number[]>();
      const publishing: Promise<number[] | undefined>[] = [];
      for (let n = 0; n < 80;) {
        if (random() < 0.2) {
          kafka.faults.failNextSends(1 + Math.floor(random() * 2), { written: Math.floor(random() * 3) });
        }
        const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
          topic: TOPIC,
          key: `k${Math.floor(random() * 4)}`,
          type: 'step',
          value: n++,
        }));
        for (const m of batch) expected.set(m.key, [...(expected.get(m.key) ?? []), m.value]);
        // A publish may fail for good (its attempts run out): it must then not be stored.
        publishing.push(
          producer.publishMany(batch).then(
            () => batch.map((m) => m.value),
            () => undefined,
          ),
        );
        // The guarantee covers publishes made once earlier failures are reported.
        await reported();
      }
      const settled = await Promise.all(publishing);
      const stored = storedByKey();
      const storedValues = new Set([...stored.values()].flat());
      // Every acknowledged publish is stored; a record of a publish that failed for good
      // may be stored too (the part of its batch the broker took).
      const acknowledged = settled.flatMap((values) => values ?? []);
      expect(
        acknowledged.filter((n) => !storedValues.has(n)),
        `seed ${seed}`,
      ).toEqual([]);
      // Each key's stored records are its publishes in call order, each once.
      const want = new Map(
        [...expected]
          .map(([k, ns]) => [k, ns.filter((n) => storedValues.has(n))] as const)
          .filter(([, ns]) => ns.length > 0),
      );
      expect(stored, `seed ${seed}`).toEqual(want);
    }
  });
});
