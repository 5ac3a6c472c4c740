import type { ConsumedRecord, TopicPartition } from '../driver/types.js';

/**
 * A FIFO of records that must be handled one after another: the records of one key
 * (mode `key`) or of one partition (mode `partition`).
 *
 * - `idle`: nothing queued; `ready`: waiting for a slot; `running`: a handler runs;
 * - `backoff`: waiting to retry its head; `blocked`: its head failed for good.
 */
export interface Lane {
  readonly id: string;
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

/** Emptied lanes kept for reuse before a sweep drops them. */
const IDLE_LANES_KEPT = 1024;
const KEYLESS = '\u0000keyless:';

/**
 * Splits a partition's records into lanes. Keyless records have no order to keep
 * in key mode, so each gets a lane of its own, dropped as soon as it empties.
 *
 * An emptied lane stays in the map and is reused by its key's next record: most
 * lanes empty as soon as their record is handled, and dropping them at once cost a
 * map deletion and a new lane per record. Once more than `IDLE_LANES_KEPT` emptied
 * lanes are kept, a sweep drops them, so memory still follows live keys.
 */
export class KeyLanes {
  private readonly lanes = new Map<string, Lane>();
  private readonly keylessLanes = new Set<Lane>();
  private keyless = 0;
  /** Emptied lanes released since the last sweep (an upper bound of those kept). */
  private idle = 0;

  constructor(
    private readonly owner: PartitionWork,
    private readonly mode: 'key' | 'partition',
  ) {}

  /** Appends the record to its lane; returns the lane. */
  add(record: ConsumedRecord): Lane {
    if (this.mode === 'key' && record.key === null) {
      const lane = this.newLane(`${KEYLESS}${this.keyless++}`);
      this.keylessLanes.add(lane);
      lane.queue.push(record);
      return lane;
    }
    // Lane ids are the keys decoded as UTF-8 (`toString()` without arguments is
    // Buffer's fastest path). Keys that are not valid UTF-8 and decode alike share
    // a lane: handled one after another, which keeps each one's order (O1).
    // The key's bytes one to one as Latin-1: an exact identity for any bytes (UTF-8
    // decoding would merge invalid sequences) and cheaper to make. Never shown.
    const id = this.mode === 'partition' ? '' : record.key!.toString('latin1');
    let lane = this.lanes.get(id);
    if (!lane) this.lanes.set(id, (lane = this.newLane(id)));
    lane.queue.push(record);
    return lane;
  }

  /** Notes that a lane emptied; sweeps emptied lanes once enough are kept. */
  release(lane: Lane): void {
    if (lane.queue.length !== 0) return;
    if (lane.id.startsWith(KEYLESS) && this.keylessLanes.delete(lane)) return;
    if (++this.idle <= IDLE_LANES_KEPT) return;
    this.idle = 0;
    for (const [id, kept] of this.lanes) {
      if (kept.queue.length === 0 && kept.state === 'idle' && !kept.timer) this.lanes.delete(id);
    }
  }

  *all(): IterableIterator<Lane> {
    yield* this.lanes.values();
    yield* this.keylessLanes;
  }

  /** Lanes kept: those with records, and emptied ones not yet swept. */
  get size(): number {
    return this.lanes.size + this.keylessLanes.size;
  }

  private newLane(id: string): Lane {
    return { id, owner: this.owner, queue: [], state: 'idle', attempts: 0, timer: undefined, firstFailureAt: 0 };
  }
}
