import type { TopicPartition } from '../driver/types.js';
import { keyText, parkedId } from './parked-key-text.js';

/** A parked key: its dead letters wait for the dead-letter consumer or an operator. */
export interface ParkedKey {
  readonly topic: string;
  readonly partition: number;
  /** The key as operators read and type it: see {@link keyText} (`hex:…` when not plain text). */
  readonly key: string;
  /** The key's bytes, exactly: what identifies it. */
  readonly keyBytes: Buffer;
  /** Dead-letter topic offset of the newest dead letter of this key. */
  readonly lastDeadLetterOffset: number;
  /** Dead-letter topic offset through which this key's dead letters are handled. */
  readonly handledThrough: number;
  readonly parkedAt: number;
  /** Dead-letter writes begun and not yet recorded: in flight, or left by a process that died. */
  readonly pendingWrites: number;
}

/** What {@link ParkingLot.repair} is asked to do for one key. */
export interface KeyRepairRequest {
  /** Offset of the key's newest dead letter in the dead-letter topic, -1 when it has none. */
  readonly newestDeadLetter: number;
  /** Pending writes begun before this time (epoch ms) are taken as left by a dead process and cleared. */
  readonly pendingBefore: number;
  /** Only report what would change. */
  readonly dryRun: boolean;
}

/** What {@link ParkingLot.repair} changed (or would change, on a dry run) for one key. */
export interface KeyRepair {
  readonly clearedPending: number;
  /** The recorded newest dead letter, raised to the newest one found in the topic. */
  readonly lastDeadLetterOffset: { readonly from: number; readonly to: number };
  readonly resolved: boolean;
}

/**
 * Keys with unresolved dead letters. While a key is parked, every later event of it
 * goes straight to the dead-letter topic, so its events are never handled out of
 * order (O1). A key is resolved once every one of its dead letters is handled or
 * discarded.
 *
 * Keys are identified by their bytes, exactly as key lanes are: two binary keys that
 * decode to the same text are different keys.
 *
 * The protocol that keeps this safe when the main and the dead-letter consumers run
 * concurrently: `beginPark` before a dead letter is written, `endPark` with its
 * offset after; `handled` after each dead letter is handled. The key is resolved only
 * when no park is pending and everything through the newest dead letter is handled.
 *
 * The dead-letter consumer can read a dead letter before its writer's `endPark` has
 * recorded it (the write is acknowledged after the record is readable), and a store
 * may hold nothing about the key yet (`KafkaParkingLot` records a park only at
 * `endPark`): "not parked" does not mean "discarded". So the dead-letter consumer skips
 * a dead letter only when {@link ParkingLot.settled} says it is handled or discarded,
 * and otherwise handles it, even for a key that is not parked (O2).
 */
export interface ParkingLot {
  /**
   * Loads the parked keys of partitions this process now owns into memory, so that
   * `isParked` is right for them; called on every assignment, before records flow.
   * Pending writes other processes left on these partitions are cleared: their source
   * events were not committed, so this process writes them again (O2).
   */
  load(partitions: readonly TopicPartition[]): Promise<void>;
  /** Whether the key is parked, from memory: this is on every event's path. */
  isParked(topic: string, key: Buffer): boolean;
  /** Whether the key is parked, asking the store itself (for decisions off the hot path). */
  check(topic: string, key: Buffer): Promise<boolean>;
  /** Parks the key (if not yet) before one of its events is dead-lettered. */
  beginPark(topic: string, partition: number, key: Buffer): Promise<void>;
  /** Records where that dead letter was written (-1: it was not). */
  endPark(topic: string, key: Buffer, deadLetterOffset: number): Promise<void>;
  /**
   * Whether the key's dead letter at `deadLetterOffset` needs no handling: it is covered
   * by the key's handled or discarded marks (an operator's discard, or a redelivery of
   * one already handled). The dead-letter consumer skips a dead letter only then.
   *
   * Never true for a dead letter whose park is begun and not yet ended, in whatever
   * process: it is newer than every mark. A store that holds a key from `beginPark` on
   * (memory, SQL) may answer true for a key it does not hold, since every dead letter
   * written before the key was resolved is handled or discarded; a store that records
   * a park only at `endPark` must compare with marks it keeps after resolution.
   */
  settled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean>;
  /** Records a handled or discarded dead letter; resolves true when the key is resolved by it. */
  handled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean>;
  /** Records dead letters discarded by an operator through an offset; true when that resolves the key. */
  discarded(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean>;
  /** Parked keys, for operators. */
  list(topic?: string): Promise<ParkedKey[]>;
  /**
   * Operator repair of one parked key: clears pending writes begun before
   * `pendingBefore`, raises the recorded newest dead letter to the one found in the
   * topic, and resolves the key when nothing is left to handle. `undefined` when the key
   * is not parked.
   */
  repair(topic: string, key: Buffer, request: KeyRepairRequest): Promise<KeyRepair | undefined>;
}

interface Entry {
  topic: string;
  partition: number;
  key: Buffer;
  /** When each pending write began, oldest first. */
  pending: number[];
  lastDeadLetterOffset: number;
  handledThrough: number;
  parkedAt: number;
}

/** The in-process parking lot: for tests and for services that run both consumers in one process. */
export class MemoryParkingLot implements ParkingLot {
  private readonly entries = new Map<string, Entry>();

  isParked(topic: string, key: Buffer): boolean {
    return this.entries.has(parkedId(topic, key));
  }

  async load(): Promise<void> {
    // Everything is in memory already, and it dies with the process that wrote it.
  }

  async check(topic: string, key: Buffer): Promise<boolean> {
    return this.isParked(topic, key);
  }

  async settled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    // An entry exists from beginPark on, so a key without one has all its dead letters settled.
    const entry = this.entries.get(parkedId(topic, key));
    return entry === undefined || deadLetterOffset <= entry.handledThrough;
  }

  async beginPark(topic: string, partition: number, key: Buffer): Promise<void> {
    const entry = this.entries.get(parkedId(topic, key));
    if (entry) entry.pending.push(Date.now());
    else {
      this.entries.set(parkedId(topic, key), {
        topic,
        partition,
        key: Buffer.from(key),
        pending: [Date.now()],
        lastDeadLetterOffset: -1,
        handledThrough: -1,
        parkedAt: Date.now(),
      });
    }
  }

  async endPark(topic: string, key: Buffer, deadLetterOffset: number): Promise<void> {
    const entry = this.entries.get(parkedId(topic, key));
    if (!entry) return;
    entry.pending.shift();
    entry.lastDeadLetterOffset = Math.max(entry.lastDeadLetterOffset, deadLetterOffset);
    this.resolveIfCaughtUp(entry);
  }

  async handled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    const entry = this.entries.get(parkedId(topic, key));
    if (!entry) return false;
    entry.handledThrough = Math.max(entry.handledThrough, deadLetterOffset);
    return this.resolveIfCaughtUp(entry);
  }

  discarded(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    return this.handled(topic, key, deadLetterOffset);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    return [...this.entries.values()]
      .filter((e) => topic === undefined || e.topic === topic)
      .map((e) => ({
        topic: e.topic,
        partition: e.partition,
        key: keyText(e.key),
        keyBytes: e.key,
        lastDeadLetterOffset: e.lastDeadLetterOffset,
        handledThrough: e.handledThrough,
        parkedAt: e.parkedAt,
        pendingWrites: e.pending.length,
      }));
  }

  async repair(topic: string, key: Buffer, request: KeyRepairRequest): Promise<KeyRepair | undefined> {
    const entry = this.entries.get(parkedId(topic, key));
    if (!entry) return undefined;
    const kept = entry.pending.filter((since) => since >= request.pendingBefore);
    const last = Math.max(entry.lastDeadLetterOffset, request.newestDeadLetter);
    const report = {
      clearedPending: entry.pending.length - kept.length,
      lastDeadLetterOffset: { from: entry.lastDeadLetterOffset, to: last },
      resolved: kept.length === 0 && entry.handledThrough >= last,
    };
    if (!request.dryRun) {
      entry.pending = kept;
      entry.lastDeadLetterOffset = last;
      if (report.resolved) this.entries.delete(parkedId(topic, key));
    }
    return report;
  }

  private resolveIfCaughtUp(entry: Entry): boolean {
    if (
      entry.pending.length > 0 ||
      entry.lastDeadLetterOffset < 0 ||
      entry.handledThrough < entry.lastDeadLetterOffset
    ) {
      return false;
    }
    this.entries.delete(parkedId(entry.topic, entry.key));
    return true;
  }
}
