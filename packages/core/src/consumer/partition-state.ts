import type { ConsumedRecord, TopicPartition } from '../driver/types.js';
import { KeyLanes, type Lane, type PartitionWork } from './key-lanes.js';
import { OffsetTracker } from './offset-tracker.js';

/**
 * Everything the engine knows about one owned partition: lanes, the offset tracker,
 * how much is buffered, whether it is paused, and the work in flight, so that a
 * revoke can wait for exactly this partition's handlers.
 */
export class PartitionState implements PartitionWork {
  readonly topic: string;
  readonly partition: number;
  readonly tracker = new OffsetTracker();
  readonly lanes: KeyLanes;
  /** Aborted when in-flight handlers of this partition are abandoned. */
  private readonly abort = new AbortController();
  /**
   * The abort signal handed to this partition's handlers. Kept in a field: the
   * controller's `signal` getter is read for every record, and costs more than a load.
   */
  readonly signal: AbortSignal = this.abort.signal;
  /** Set once in-flight work of this partition is abandoned; mirrors `signal.aborted`. */
  abandoned = false;
  closing = false;
  /** Paused because its buffer is full (backpressure). */
  paused = false;
  /** Paused because its topic's breaker is open (O4). */
  breakerPaused = false;
  inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(tp: TopicPartition, mode: 'key' | 'partition') {
    this.topic = tp.topic;
    this.partition = tp.partition;
    this.lanes = new KeyLanes(this, mode);
  }

  /** Records received and not yet done (buffered plus in flight). */
  get buffered(): number {
    return this.tracker.outstanding;
  }

  /** Queues a record; returns its lane, or `undefined` for a redelivered offset. */
  add(record: ConsumedRecord): Lane | undefined {
    if (!this.tracker.track(record.offset)) return undefined;
    return this.lanes.add(record);
  }

  started(): void {
    this.inFlight++;
  }

  finished(): void {
    // Runs once per record: no array is allocated unless someone waits.
    if (--this.inFlight === 0 && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when no handler of this partition is running. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Abandons the partition's in-flight work: its handlers are told through `signal`. */
  abandon(): void {
    this.abandoned = true;
    this.abort.abort();
  }

  /** Stops dispatch and cancels pending retries. Running handlers go on until told. */
  close(): void {
    this.closing = true;
    for (const lane of this.lanes.all()) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = undefined;
    }
  }
}
