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

/**
 * Splits a partition's records into lanes. Keyless records have no order to keep
 * in key mode, so each gets a lane of its own.
 */
export class KeyLanes {
  private readonly lanes = new Map<string, Lane>();
  private keyless = 0;

  constructor(
    private readonly owner: PartitionWork,
    private readonly mode: 'key' | 'partition',
  ) {}

  /** Appends the record to its lane; returns the lane. */
  add(record: ConsumedRecord): Lane {
    const id = this.laneId(record);
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { id, owner: this.owner, queue: [], state: 'idle', attempts: 0, timer: undefined, firstFailureAt: 0 };
      this.lanes.set(id, lane);
    }
    lane.queue.push(record);
    return lane;
  }

  /** Drops an emptied lane so memory follows live keys, not every key ever seen. */
  release(lane: Lane): void {
    if (lane.queue.length === 0) this.lanes.delete(lane.id);
  }

  all(): IterableIterator<Lane> {
    return this.lanes.values();
  }

  get size(): number {
    return this.lanes.size;
  }

  private laneId(record: ConsumedRecord): string {
    if (this.mode === 'partition') return '';
    if (record.key === null) return `\u0000keyless:${this.keyless++}`;
    return `k:${record.key.toString('latin1')}`;
  }
}
