import type { TopicPartition } from '../driver/types.js';

/** A parked key: its dead letters wait for the dead-letter consumer or an operator. */
export interface ParkedKey {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** Dead-letter topic offset of the newest dead letter of this key. */
  readonly lastDeadLetterOffset: number;
  /** Dead-letter topic offset through which this key's dead letters are handled. */
  readonly handledThrough: number;
  readonly parkedAt: number;
}

/**
 * Keys with unresolved dead letters. While a key is parked, every later event of it
 * goes straight to the dead-letter topic, so its events are never handled out of
 * order (O1). A key is resolved once every one of its dead letters is handled or
 * discarded.
 *
 * The protocol that keeps this safe when the main and the dead-letter consumers run
 * concurrently: `beginPark` before a dead letter is written, `endPark` with its
 * offset after; `handled` after each dead letter is handled. The key is resolved only
 * when no park is pending and everything through the newest dead letter is handled.
 */
export interface ParkingLot {
  /**
   * Loads the parked keys of partitions this process now owns into memory, so that
   * `isParked` is right for them; called on every assignment, before records flow.
   */
  load(partitions: readonly TopicPartition[]): Promise<void>;
  /** Whether the key is parked, from memory: this is on every event's path. */
  isParked(topic: string, key: string): boolean;
  /** Whether the key is parked, asking the store itself (for decisions off the hot path). */
  check(topic: string, key: string): Promise<boolean>;
  /** Parks the key (if not yet) before one of its events is dead-lettered. */
  beginPark(topic: string, partition: number, key: string): Promise<void>;
  /** Records where that dead letter was written. */
  endPark(topic: string, key: string, deadLetterOffset: number): Promise<void>;
  /** Records a handled or discarded dead letter; resolves true when the key is resolved by it. */
  handled(topic: string, key: string, deadLetterOffset: number): Promise<boolean>;
  /** Records dead letters discarded by an operator through an offset; true when that resolves the key. */
  discarded(topic: string, key: string, deadLetterOffset: number): Promise<boolean>;
  /** Parked keys, for operators. */
  list(topic?: string): Promise<ParkedKey[]>;
}

interface Entry {
  topic: string;
  partition: number;
  key: string;
  pending: number;
  lastDeadLetterOffset: number;
  handledThrough: number;
  parkedAt: number;
}

/** The in-process parking lot: for tests and for services that run both consumers in one process. */
export class MemoryParkingLot implements ParkingLot {
  private readonly entries = new Map<string, Entry>();

  isParked(topic: string, key: string): boolean {
    return this.entries.has(id(topic, key));
  }

  async load(): Promise<void> {
    // Everything is in memory already.
  }

  async check(topic: string, key: string): Promise<boolean> {
    return this.isParked(topic, key);
  }

  async beginPark(topic: string, partition: number, key: string): Promise<void> {
    const entry = this.entries.get(id(topic, key));
    if (entry) entry.pending++;
    else {
      this.entries.set(id(topic, key), {
        topic,
        partition,
        key,
        pending: 1,
        lastDeadLetterOffset: -1,
        handledThrough: -1,
        parkedAt: Date.now(),
      });
    }
  }

  async endPark(topic: string, key: string, deadLetterOffset: number): Promise<void> {
    const entry = this.entries.get(id(topic, key));
    if (!entry) return;
    entry.pending = Math.max(0, entry.pending - 1);
    entry.lastDeadLetterOffset = Math.max(entry.lastDeadLetterOffset, deadLetterOffset);
    this.resolveIfCaughtUp(entry);
  }

  async handled(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    const entry = this.entries.get(id(topic, key));
    if (!entry) return false;
    entry.handledThrough = Math.max(entry.handledThrough, deadLetterOffset);
    return this.resolveIfCaughtUp(entry);
  }

  discarded(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    return this.handled(topic, key, deadLetterOffset);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    return [...this.entries.values()]
      .filter((e) => topic === undefined || e.topic === topic)
      .map(({ topic: t, partition, key, lastDeadLetterOffset, handledThrough, parkedAt }) => ({
        topic: t,
        partition,
        key,
        lastDeadLetterOffset,
        handledThrough,
        parkedAt,
      }));
  }

  private resolveIfCaughtUp(entry: Entry): boolean {
    if (entry.pending > 0 || entry.lastDeadLetterOffset < 0 || entry.handledThrough < entry.lastDeadLetterOffset) {
      return false;
    }
    this.entries.delete(id(entry.topic, entry.key));
    return true;
  }
}

function id(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}
