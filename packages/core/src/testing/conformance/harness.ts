import { randomUUID } from 'node:crypto';
import type { DriverConsumer, KafkaDriver } from '../../driver/types.js';
import { silentLogger } from '../../internal/logger.js';
import { createProducer } from '../../producer/producer.js';
import type { ProducedRef } from '../invariants.js';

/** How the conformance suite drives a particular driver. */
export interface ConformanceOptions {
  /**
   * Kills a consumer as a crashed process would: no revoke callback, no commit.
   * The suite's member-crash test needs it.
   */
  readonly crash: (driver: KafkaDriver, consumer: DriverConsumer) => Promise<void>;
  /** Longest wait for a rebalance or for records to arrive. Real clusters want more. @default 10_000 */
  readonly timeoutMs?: number;
  /** Called after each test with the driver it made. */
  readonly cleanup?: (driver: KafkaDriver) => void | Promise<void>;
  /**
   * Consumer settings that make this driver fast enough under test (short commit
   * intervals, for example). @default {}
   */
  readonly consumerOverrides?: { readonly commitIntervalMs?: number };
}

/** What each conformance test gets. */
export interface ConformanceContext {
  readonly driver: KafkaDriver;
  readonly timeoutMs: number;
  readonly options: ConformanceOptions;
}

/** A topic name unique to one test, so tests may share one cluster. */
export function uniqueTopic(label: string): string {
  return `conformance.${label}.${randomUUID().slice(0, 8)}`;
}

/** A group id unique to one test. */
export function uniqueGroup(label: string): string {
  return `conformance-${label}-${randomUUID().slice(0, 8)}`;
}

/**
 * Publishes `count` events over `keys` keys (event i has key `key-${i % keys}` and
 * value `{ seq: i }`) in batches, returning where each landed.
 */
export async function produceKeyed(
  driver: KafkaDriver,
  topic: string,
  count: number,
  keys: number,
): Promise<ProducedRef[]> {
  const producer = createProducer({ driver });
  const produced: ProducedRef[] = [];
  try {
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, (_, j) => {
        const seq = start + j;
        return { topic, key: `key-${seq % keys}`, type: 'tick', value: { seq } };
      });
      const results = await producer.publishMany(batch);
      results.forEach((r, j) => produced.push({ ...r, key: batch[j]!.key }));
    }
  } finally {
    await producer.disconnect();
  }
  return produced;
}

export const quietLogger = silentLogger;
