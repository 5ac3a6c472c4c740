import { readTopic } from '../driver/read-topic.js';
import type { KafkaDriver } from '../driver/types.js';
import { UnknownTopicError } from '../errors.js';
import type { KeyRepair, ParkingLot } from './parking-lot.js';

/** What an operator asks {@link DeadLetterAdmin.repair} to do. */
export interface RepairRequest {
  /** Only keys of this source topic. @default every topic */
  readonly topic?: string;
  /** Only report what would change. @default false */
  readonly dryRun?: boolean;
  /**
   * Pending dead-letter writes older than this are taken as left by a process that
   * died (a live write takes seconds at most, unless the cluster is down). @default 300_000
   */
  readonly pendingOlderThanMs?: number;
}

/** What a repair changed (or would change) for one parked key. */
export interface RepairedKey extends KeyRepair {
  readonly topic: string;
  readonly partition: number;
  /** Operator form of the key (text, or `hex:…`). */
  readonly key: string;
  readonly keyBytes: Buffer;
  readonly handledThrough: number;
}

/** The outcome of a repair: one entry per parked key looked at. */
export interface RepairReport {
  readonly dryRun: boolean;
  readonly keys: readonly RepairedKey[];
}

/**
 * Repairs a parking lot in any state, key by key: finds each parked key's newest dead
 * letter in its dead-letter topic (a write may have landed without being recorded),
 * clears pending writes older than the threshold, and resolves the keys whose dead
 * letters are all handled or discarded (or that have none). @internal
 */
export async function repairParkingLot(
  deps: { readonly driver: KafkaDriver; readonly parkingLot: ParkingLot; readonly topicName: (t: string) => string },
  request: RepairRequest,
): Promise<RepairReport> {
  const dryRun = request.dryRun ?? false;
  const pendingBefore = Date.now() - (request.pendingOlderThanMs ?? 300_000);
  const parked = await deps.parkingLot.list(request.topic);
  const keys: RepairedKey[] = [];
  for (const topic of new Set(parked.map((p) => p.topic))) {
    const newest = await newestDeadLetters(deps.driver, deps.topicName(topic));
    for (const p of parked.filter((k) => k.topic === topic)) {
      const newestDeadLetter = newest.get(p.keyBytes.toString('latin1')) ?? -1;
      const fixed = await deps.parkingLot.repair(topic, p.keyBytes, { newestDeadLetter, pendingBefore, dryRun });
      if (!fixed) continue; // resolved meanwhile
      keys.push({
        ...fixed,
        topic,
        partition: p.partition,
        key: p.key,
        keyBytes: p.keyBytes,
        handledThrough: p.handledThrough,
      });
    }
  }
  return { dryRun, keys };
}

/** The newest dead-letter offset of each key (by its bytes) in a dead-letter topic. */
async function newestDeadLetters(driver: KafkaDriver, deadLetterTopic: string): Promise<Map<string, number>> {
  const newest = new Map<string, number>();
  try {
    for (const record of await readTopic(driver, deadLetterTopic)) {
      if (record.key === null) continue;
      const k = record.key.toString('latin1');
      newest.set(k, Math.max(newest.get(k) ?? -1, record.offset));
    }
  } catch (error) {
    // No dead-letter topic: no dead letter was ever written.
    if (!(error instanceof UnknownTopicError)) throw error;
  }
  return newest;
}
