/**
 * Key lanes vs partition order, on one partition. The anchor is Confluent's Parallel
 * Consumer, which reports about 9.9x over partition order at 20+ keys and 0.83x at one
 * key. Our targets: at least 8x at 20 keys, at least 0.95x at 1 key.
 *
 * Both modes get the same per-event delays (a seeded generator indexed by event), so
 * the only difference between runs is the engine's scheduling.
 */
import { createConsumer, createProducer, InMemoryKafka, silentLogger } from '@ordo/core';

export interface KeyLanesCase {
  readonly keys: number;
  readonly partitionModeMs: number;
  readonly keyModeMs: number;
  readonly speedup: number;
}

export interface KeyLanesResult {
  readonly events: number;
  readonly maxInFlight: number;
  readonly handlerDelayMs: string;
  readonly cases: readonly KeyLanesCase[];
}

const MAX_IN_FLIGHT = 100;
const MAX_DELAY_MS = 5;

/** mulberry32: a tiny seeded PRNG, so both modes see identical delays. */
function delays(count: number, seed = 42): Float64Array {
  const out = new Float64Array(count);
  let a = seed >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * MAX_DELAY_MS;
  }
  return out;
}

async function runOnce(mode: 'key' | 'partition', keys: number, events: number, table: Float64Array): Promise<number> {
  const kafka = new InMemoryKafka({ topics: [{ name: 'bench', partitions: 1 }] });
  const producer = createProducer({ driver: kafka });
  for (let start = 0; start < events; start += 1000) {
    await producer.publishMany(
      Array.from({ length: Math.min(1000, events - start) }, (_, j) => ({
        topic: 'bench',
        key: `k${(start + j) % keys}`,
        type: 'e',
        value: start + j,
      })),
    );
  }
  const consumer = createConsumer({
    driver: kafka,
    groupId: 'bench',
    topics: ['bench'],
    concurrency: { mode, maxInFlight: MAX_IN_FLIGHT },
    logger: silentLogger,
  });
  let handled = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  consumer.handle<number>('bench', 'e', async (event) => {
    await new Promise((resolve) => setTimeout(resolve, table[event.value]));
    if (++handled === events) finish();
  });
  const started = performance.now();
  await consumer.start();
  await done;
  const elapsed = performance.now() - started;
  await consumer.stop();
  return elapsed;
}

/** Runs each key count against partition mode, interleaved in the same process. */
export async function benchKeyLanes(events: number, log: (line: string) => void): Promise<KeyLanesResult> {
  const table = delays(events);
  const cases: KeyLanesCase[] = [];
  for (const keys of [1, 20, 1000]) {
    const partitionModeMs = await runOnce('partition', keys, events, table);
    const keyModeMs = await runOnce('key', keys, events, table);
    const speedup = partitionModeMs / keyModeMs;
    cases.push({ keys, partitionModeMs, keyModeMs, speedup });
    log(
      `${String(keys).padStart(5)} keys: partition mode ${partitionModeMs.toFixed(0).padStart(6)} ms, ` +
        `key mode ${keyModeMs.toFixed(0).padStart(6)} ms, speedup ${speedup.toFixed(2)}x`,
    );
  }
  return { events, maxInFlight: MAX_IN_FLIGHT, handlerDelayMs: `0-${MAX_DELAY_MS} (setTimeout)`, cases };
}
