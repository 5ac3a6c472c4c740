import { tpKey } from '../driver/topic-partition.js';
import type {
  ConsumedRecord,
  ConsumerListener,
  DriverConsumer,
  RecordBatch,
  TopicPartition,
  TopicPartitionOffset,
} from '../driver/types.js';
import { DriverError, OrdoError, isRetriable } from '../errors.js';
import { sleep } from '../internal/sleep.js';
import type { TypedEmitter } from '../internal/typed-emitter.js';
import type { ResolvedConsumerConfig } from './consumer-config.js';
import type { ConsumerEvents, RecordRef } from './consumer-events.js';
import { keyOf } from './consumed-event.js';
import { Dispatcher } from './dispatcher.js';
import type { Lane } from './key-lanes.js';
import { PartitionState } from './partition-state.js';
import { runAttempt, type AttemptDeps, type AttemptOutcome } from './run-attempt.js';

/**
 * The consumer engine: receives batches from a driver consumer, splits them into key
 * lanes, runs handlers with retries, commits the completed prefix (O2), applies
 * backpressure, and keeps rebalances safe (drain, commit while owned, then release).
 */
export class ConsumerEngine implements ConsumerListener {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly dispatcher: Dispatcher;
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private commitChain: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(
    private readonly config: ResolvedConsumerConfig,
    private readonly deps: AttemptDeps,
    private readonly events: TypedEmitter<ConsumerEvents>,
    private readonly driver: DriverConsumer,
  ) {
    this.dispatcher = new Dispatcher(config.maxInFlight, (lane) => this.runLane(lane));
  }

  /** Partitions this engine currently owns. */
  owned(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  onAssign(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.partitions.set(tpKey(tp), new PartitionState(tp, this.config.mode));
    this.events.emit('rebalanced', { assigned: partitions, revoked: [], lost: [] });
  }

  async onRevoke(partitions: readonly TopicPartition[]): Promise<void> {
    const states = this.statesOf(partitions);
    for (const s of states) s.close();
    // Commit what is already done at once, while the group still accepts commits: a
    // broker refuses them once other members have rejoined. Then drain and commit
    // what the drain completed.
    await this.commit(states);
    await this.drain(states, this.config.revokeTimeoutMs, 'revoke');
    await this.commit(states);
    for (const s of states) this.partitions.delete(tpKey(s));
    this.events.emit('rebalanced', { assigned: [], revoked: partitions, lost: [] });
  }

  onLost(partitions: readonly TopicPartition[]): void {
    for (const s of this.statesOf(partitions)) {
      s.close();
      s.abort.abort();
      this.partitions.delete(tpKey(s));
    }
    this.events.emit('rebalanced', { assigned: [], revoked: [], lost: partitions });
  }

  onRecords(batch: RecordBatch): void {
    const state = this.partitions.get(tpKey(batch));
    if (!state || state.closing) return;
    for (const record of batch.records) {
      const lane = state.add(record);
      if (lane?.state === 'idle') this.dispatcher.enqueue(lane);
    }
    this.applyBackpressure(state);
  }

  onError(error: OrdoError): void {
    this.events.emit('error', { error });
  }

  /** Stops dispatch, lets in-flight work finish (up to the deadline), commits. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const states = [...this.partitions.values()];
    this.driver.pause(states);
    for (const s of states) s.close();
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    await this.drain(states, this.config.shutdownTimeoutMs, 'stop');
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    // A rebalance elsewhere in the group can refuse this commit for a moment; what is
    // not committed now would be redone by the next owner, so keep trying until the deadline.
    for (
      let delay = 50;
      !(await this.commit(states)) && Date.now() + delay < deadline;
      delay = Math.min(delay * 2, 1_000)
    ) {
      await sleep(delay);
    }
  }

  private statesOf(partitions: readonly TopicPartition[]): PartitionState[] {
    return partitions.map((tp) => this.partitions.get(tpKey(tp))).filter((s) => s !== undefined);
  }

  /** Starts one try of a lane's head; settles synchronously when the handler does. */
  private runLane(lane: Lane): void {
    const state = lane.owner as PartitionState;
    const record = lane.queue[0]!;
    state.started();
    lane.attempts++;
    const timed = this.events.listenerCount('handled') > 0;
    const outcome = runAttempt(record, lane.attempts, state.abort.signal, this.deps, timed);
    if (outcome instanceof Promise) void outcome.then((o) => this.settle(lane, record, o));
    else this.settle(lane, record, outcome);
  }

  private settle(lane: Lane, record: ConsumedRecord, outcome: AttemptOutcome): void {
    const state = lane.owner as PartitionState;
    try {
      // Abandoned (deadline passed or partition lost): the new owner redoes this work.
      if (state.abort.signal.aborted) return;
      switch (outcome.kind) {
        case 'handled':
          if (this.events.listenerCount('handled') > 0) {
            this.events.emit('handled', {
              event: outcome.event,
              attempts: lane.attempts,
              durationMs: outcome.durationMs,
            });
          }
          this.completeHead(lane, state);
          return;
        case 'skipped':
          this.config.logger.warn(`Skipped ${record.topic}/${record.partition}@${record.offset}: ${outcome.reason}`);
          this.events.emit('skipped', { record: refOf(record), reason: outcome.reason });
          this.completeHead(lane, state);
          return;
        case 'retry':
          this.events.emit('retrying', {
            record: refOf(record),
            attempt: lane.attempts,
            delayMs: outcome.delayMs,
            error: outcome.error,
          });
          lane.state = 'backoff';
          lane.timer = setTimeout(() => {
            lane.timer = undefined;
            if (!state.closing) this.dispatcher.enqueue(lane);
          }, outcome.delayMs);
          return;
        case 'failed': {
          // Until dead letters exist, a failed event stops its own lane only (O1, O3),
          // and its offset is never committed (O2).
          lane.state = 'blocked';
          const ref = refOf(record);
          this.config.logger.error(`Event failed for good; its key lane is stopped`, {
            ...ref,
            attempts: lane.attempts,
            code: outcome.error.code,
            error: outcome.error.message,
          });
          this.events.emit('failed', { record: ref, attempts: lane.attempts, error: outcome.error });
          return;
        }
      }
    } finally {
      state.finished();
      this.dispatcher.release();
    }
  }

  private completeHead(lane: Lane, state: PartitionState): void {
    const record = lane.queue.shift()!;
    lane.attempts = 0;
    state.tracker.complete(record.offset);
    if (lane.queue.length > 0 && !state.closing) {
      this.dispatcher.enqueue(lane);
    } else {
      lane.state = 'idle';
      state.lanes.release(lane);
    }
    this.applyBackpressure(state);
    this.scheduleCommit();
  }

  private applyBackpressure(state: PartitionState): void {
    const max = this.config.maxBufferedPerPartition;
    const buffered = state.buffered;
    if (!state.paused && buffered >= max) {
      state.paused = true;
      this.driver.pause([state]);
    } else if (state.paused && buffered <= max / 2 && !state.closing && !this.stopping) {
      state.paused = false;
      this.driver.resume([state]);
    } else {
      return;
    }
    const partition = { topic: state.topic, partition: state.partition };
    this.events.emit('backpressure', { partition, paused: state.paused, buffered });
  }

  private scheduleCommit(): void {
    if (this.commitTimer || this.stopping) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit([...this.partitions.values()]);
    }, this.config.commitIntervalMs);
  }

  /**
   * Commits the completed prefix of partitions still owned; commits never overlap.
   * Resolves false when a retriable failure left something uncommitted.
   */
  private commit(states: readonly PartitionState[]): Promise<boolean> {
    const run = this.commitChain.then(() => this.commitNow(states));
    this.commitChain = run.then(() => undefined);
    return run;
  }

  private async commitNow(states: readonly PartitionState[]): Promise<boolean> {
    const offsets: Array<TopicPartitionOffset & { state: PartitionState }> = [];
    for (const state of states) {
      // Never commit for a partition this member no longer owns. An abandoned
      // partition still commits the prefix that completed before it was abandoned.
      if (this.partitions.get(tpKey(state)) !== state) continue;
      const offset = state.tracker.committable();
      if (offset !== undefined) offsets.push({ topic: state.topic, partition: state.partition, offset, state });
    }
    if (offsets.length === 0) return true;
    try {
      await this.driver.commit(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
    } catch (error) {
      const wrapped =
        error instanceof OrdoError
          ? error
          : new DriverError(`Commit failed: ${String(error)}`, { retriable: true, cause: error });
      this.events.emit('error', { error: wrapped });
      if (!isRetriable(wrapped)) return true;
      this.scheduleCommit();
      return false;
    }
    for (const o of offsets) o.state.tracker.markCommitted(o.offset);
    this.events.emit('committed', {
      offsets: offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
    });
    return true;
  }

  /** Waits for the partitions' handlers up to `timeoutMs`; abandons what is left. */
  private async drain(states: readonly PartitionState[], timeoutMs: number, why: string): Promise<void> {
    const live = states.filter((s) => !s.abort.signal.aborted && s.inFlight > 0);
    if (live.length === 0) return;
    const deadline = new AbortController();
    await Promise.race([Promise.all(live.map((s) => s.whenIdle())), sleep(timeoutMs, deadline.signal)]);
    deadline.abort();
    for (const s of live) {
      if (s.inFlight === 0) continue;
      this.config.logger.warn(
        `Abandoning ${s.inFlight} in-flight event(s) of ${tpKey(s)} after ${timeoutMs} ms (${why})`,
      );
      s.abort.abort();
    }
  }
}

function refOf(record: ConsumedRecord): RecordRef {
  return { topic: record.topic, partition: record.partition, offset: record.offset, key: keyOf(record) };
}
