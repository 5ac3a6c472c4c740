import type { ConsumedRecord, TopicPartition } from '../driver/types.js';

/**
 * A FIFO of records that must be handled one after another: the records of one key
 * (mode `key`) or of one partition (mode `partition`).
 *
 * - `idle`: nothing queued; `ready`: waiting for a slot; `running`: a handler runs;
 * - `backoff`: waiting to retry its head; `blocked`: its head failed for good.
 */
export interface Lane {
  /**
   * The key's bytes as Latin-1 text, one character per byte: an exact identity for any
   * bytes, made once per lane. `null` for a keyless record's own lane and for a
   * partition's lane.
   */
  readonly key: string | null;
  readonly owner: PartitionWork;
  readonly queue: ConsumedRecord[];
  state: 'idle' | 'ready' | 'running' | 'backoff' | 'blocked';
  /** Tries of the head record so far. */
  attempts: number;
  /** Pending retry timer of the head, cleared on revoke and stop. */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** When the head first failed, for dead-letter headers; 0 while it has not. */
  firstFailureAt: number;
}

/** Per-partition work: its lanes and bookkeeping. Defined by the engine. */
export interface PartitionWork extends TopicPartition {
  /** Set when the partition is revoked, lost or stopping: no new dispatch. */
  closing: boolean;
}

/** A lane as kept here: keyed lanes are chained to others whose keys hash alike. */
interface ChainedLane extends Lane {
  next: KeyedLane | undefined;
}

interface KeyedLane extends ChainedLane {
  readonly key: string;
}

/** Keyed lanes kept (busy or emptied) before a sweep drops the emptied ones. */
const LANES_KEPT = 1024;

/**
 * Splits a partition's records into lanes. Keyless records have no order to keep
 * in key mode, so each gets a lane of its own, dropped as soon as it empties.
 *
 * Lanes are found by the key's bytes, exactly (O1 must hold for keys that are not
 * UTF-8 too): a hash of the bytes picks a chain, and the bytes are compared with the
 * lane's. No string is made per record (on the consume hot path that was the largest
 * cost of finding a lane), and no lane holds on to a record's key buffer.
 *
 * An emptied lane stays in the map and is reused by its key's next record: most
 * lanes empty as soon as their record is handled, and dropping them at once cost a
 * map deletion and a new lane per record. Once more than `LANES_KEPT` lanes (and
 * twice as many as the last sweep kept) are kept, a sweep drops the emptied ones, so
 * memory follows live keys, and a set of keys that fits is never swept.
 */
export class KeyLanes {
  private readonly lanes = new Map<number, KeyedLane>();
  private readonly keylessLanes = new Set<Lane>();
  private partitionLane: Lane | undefined;
  /** Keyed lanes kept. */
  private keyed = 0;
  /** Keyed lanes kept past which the next release sweeps. */
  private sweepAbove = LANES_KEPT;

  constructor(
    private readonly owner: PartitionWork,
    private readonly mode: 'key' | 'partition',
  ) {}

  /** Appends the record to its lane; returns the lane. */
  add(record: ConsumedRecord): Lane {
    const key = record.key;
    let lane: Lane;
    if (this.mode === 'partition') {
      lane = this.partitionLane ??= this.newLane(null);
    } else if (key === null) {
      lane = this.newLane(null);
      this.keylessLanes.add(lane);
    } else {
      lane = this.keyedLane(key);
    }
    lane.queue.push(record);
    return lane;
  }

  /** Notes that a lane emptied; sweeps emptied lanes once enough are kept. */
  release(lane: Lane): void {
    if (lane.queue.length !== 0) return;
    if (lane.key === null) {
      this.keylessLanes.delete(lane);
      return;
    }
    if (this.keyed <= this.sweepAbove) return;
    this.sweep();
  }

  /** Drops emptied lanes; busy ones are kept, and the next sweep waits for twice as many. */
  private sweep(): void {
    for (const [hash, first] of this.lanes) {
      let kept: KeyedLane | undefined;
      for (let lane: KeyedLane | undefined = first; lane;) {
        const next: KeyedLane | undefined = lane.next;
        if (lane.queue.length === 0 && lane.state === 'idle' && !lane.timer) {
          this.keyed--;
        } else {
          lane.next = kept;
          kept = lane;
        }
        lane = next;
      }
      if (kept) this.lanes.set(hash, kept);
      else this.lanes.delete(hash);
    }
    this.sweepAbove = Math.max(LANES_KEPT, 2 * this.keyed);
  }

  *all(): IterableIterator<Lane> {
    if (this.partitionLane) yield this.partitionLane;
    for (const first of this.lanes.values()) {
      for (let lane: KeyedLane | undefined = first; lane; lane = lane.next) yield lane;
    }
    yield* this.keylessLanes;
  }

  /** Lanes kept: those with records, and emptied ones not yet swept. */
  get size(): number {
    return (this.partitionLane ? 1 : 0) + this.keyed + this.keylessLanes.size;
  }

  private keyedLane(key: Buffer): Lane {
    const hash = hashBytes(key);
    const first = this.lanes.get(hash);
    for (let lane = first; lane; lane = lane.next) {
      if (isLatin1Of(lane.key, key)) return lane;
    }
    const lane = this.newLane(key.toString('latin1')) as KeyedLane;
    lane.next = first;
    this.lanes.set(hash, lane);
    this.keyed++;
    return lane;
  }

  /** Every lane has the same fields (and so one shape for the engine's hot path). */
  private newLane(key: string | null): ChainedLane {
    return {
      key,
      owner: this.owner,
      queue: [],
      state: 'idle',
      attempts: 0,
      timer: undefined,
      firstFailureAt: 0,
      next: undefined,
    };
  }
}

/** Whether `text` is `bytes` as Latin-1: one character per byte, each the byte's value. */
function isLatin1Of(text: string, bytes: Buffer): boolean {
  const length = text.length;
  if (length !== bytes.length) return false;
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== bytes[i]) return false;
  return true;
}

/** FNV-1a over the bytes: cheap for short keys, and spreads them well enough for a map. */
function hashBytes(bytes: Buffer): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash;
}
