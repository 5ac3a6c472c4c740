import { tpKey } from '../driver/topic-partition.js';
import type { ConsumedRecord, ConsumerListener, DriverConsumer, RecordBatch, TopicPartition } from '../driver/types.js';
import { DatabaseError, DriverError, OrdoError, messageOf } from '../errors.js';
import type { Breaker, BreakerState } from '../dead-letter/breaker.js';
import type { DeadLetterReason } from '../dead-letter/dead-letter-headers.js';
import { reasonFor, type DeadLetterRouter } from '../dead-letter/dead-letter-router.js';
import type { TypedEmitter } from '../internal/typed-emitter.js';
import { Committer } from './committer.js';
import type { ResolvedConsumerConfig } from './consumer-config.js';
import type { ConsumerEvents } from './consumer-events.js';
import { refOf } from './consumed-event.js';
import { Dispatcher } from './dispatcher.js';
import { drainPartitions } from './drain-partitions.js';
import { FlowControl } from './flow-control.js';
import type { Lane } from './key-lanes.js';
import { PartitionState } from './partition-state.js';
import { runAttempt, type AttemptDeps, type AttemptOutcome } from './run-attempt.js';

/**
 * The consumer engine: receives batches from a driver consumer, splits them into key
 * lanes, runs handlers with retries, dead-letters what fails for good (parking its
 * key, O1) unless the breaker is open (O4), commits the completed prefix (O2), applies
 * backpressure, and keeps rebalances safe (drain, commit while owned, then release).
 */
export class ConsumerEngine implements ConsumerListener {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly dispatcher: Dispatcher;
  private readonly committer: Committer;
  private readonly flow: FlowControl;
  private stopping = false;

  constructor(
    private readonly config: ResolvedConsumerConfig,
    private readonly deps: AttemptDeps,
    private readonly events: TypedEmitter<ConsumerEvents>,
    private readonly driver: DriverConsumer,
    private readonly deadLetters: DeadLetterRouter | undefined,
  ) {
    this.dispatcher = new Dispatcher(config.maxInFlight, (lane) => this.runLane(lane));
    this.flow = new FlowControl(driver, events, config, () => this.stopping);
    this.committer = new Committer(
      driver,
      events,
      config.commitIntervalMs,
      () => this.partitions.values(),
      (state) => this.partitions.get(tpKey(state)) === state,
    );
  }

  /** Partitions this engine currently owns. */
  owned(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async onAssign(partitions: readonly TopicPartition[]): Promise<void> {
    // Parked keys of these partitions must be known before their first record (O1).
    await this.deadLetters?.loadParked(partitions, (error) => this.events.emit('error', { error }));
    for (const tp of partitions) {
      const state = new PartitionState(tp, this.config.mode);
      this.partitions.set(tpKey(tp), state);
      if (this.deadLetters && !this.deadLetters.breaker(tp.topic).allowsDeadLetter()) this.flow.pauseForBreaker(state);
    }
    this.events.emit('rebalanced', { assigned: partitions, revoked: [], lost: [] });
  }

  async onRevoke(partitions: readonly TopicPartition[]): Promise<void> {
    const states = this.statesOf(partitions);
    for (const s of states) s.close();
    // Commit what is already done at once, while the group still accepts commits: a
    // broker refuses them once other members have rejoined. Then drain and commit
    // what the drain completed.
    await this.committer.commit(states);
    await drainPartitions(states, this.config.revokeTimeoutMs, 'revoke', this.config.logger);
    await this.committer.commit(states);
    for (const s of states) this.partitions.delete(tpKey(s));
    this.events.emit('rebalanced', { assigned: [], revoked: partitions, lost: [] });
  }

  onLost(partitions: readonly TopicPartition[]): void {
    for (const s of this.statesOf(partitions)) {
      s.close();
      s.abandon();
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
    this.flow.applyBackpressure(state);
  }

  onError(error: OrdoError): void {
    this.events.emit('error', { error });
  }

  /** Stops dispatch, lets in-flight work finish (up to the deadline), commits. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.deadLetters?.stopRetrying();
    const states = [...this.partitions.values()];
    this.driver.pause(states);
    for (const s of states) s.close();
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    await drainPartitions(states, this.config.shutdownTimeoutMs, 'stop', this.config.logger);
    await this.committer.commitFinal(states, deadline);
  }

  /** Pauses or resumes a topic's partitions as its breaker opens and closes. */
  onBreaker(breaker: Breaker, from: BreakerState, to: BreakerState): void {
    const states = [...this.partitions.values()].filter((s) => s.topic === breaker.topic);
    this.flow.onBreaker(states, breaker, from, to);
  }

  private statesOf(partitions: readonly TopicPartition[]): PartitionState[] {
    return partitions.map((tp) => this.partitions.get(tpKey(tp))).filter((s) => s !== undefined);
  }

  /** Starts one try of a lane's head; settles synchronously when the handler does. */
  private runLane(lane: Lane): void {
    const state = lane.owner as PartitionState;
    const record = lane.queue[0]!;
    state.started();
    // A parked key's later events follow its dead letters, never overtake them (O1).
    // The in-memory answer is confirmed with the store: another process may have
    // resolved the key since.
    const router = this.deadLetters;
    if (router?.isParked(record)) {
      void router.confirmParked(record).then(
        (parked) => (parked ? this.deadLetter(lane, record, 'parked', undefined) : this.attempt(lane, record)),
        (error: unknown) => {
          // The store cannot answer: parked is the safe answer (O1), and parking the key,
          // which comes next, waits for the store with retries.
          this.reportError(
            record,
            error,
            (m) => new DatabaseError(`Checking the parking lot failed: ${m}`, { cause: error }),
          );
          this.deadLetter(lane, record, 'parked', undefined);
        },
      );
      return;
    }
    this.attempt(lane, record);
  }

  private attempt(lane: Lane, record: ConsumedRecord): void {
    const state = lane.owner as PartitionState;
    if (lane.attempts > 0 && this.deadLetters) this.deadLetters.breaker(record.topic).beforeRetry();
    lane.attempts++;
    const timed = this.events.listenerCount('handled') > 0;
    const outcome = runAttempt(record, lane.attempts, state.signal, this.deps, timed);
    if (outcome instanceof Promise) void outcome.then((o) => this.settle(lane, record, o));
    else this.settle(lane, record, outcome);
  }

  private settle(lane: Lane, record: ConsumedRecord, outcome: AttemptOutcome): void {
    const state = lane.owner as PartitionState;
    // Abandoned (deadline passed or partition lost): the new owner redoes this work.
    if (state.abandoned) return this.finish(state);
    switch (outcome.kind) {
      case 'handled':
        this.deadLetters?.breaker(record.topic).recordSuccess();
        if (this.events.listenerCount('handled') > 0) {
          this.events.emit('handled', {
            event: outcome.event,
            attempts: lane.attempts,
            durationMs: outcome.durationMs,
          });
        }
        this.completeHead(lane, state);
        return this.finish(state);
      case 'skipped':
        this.config.logger.warn(`Skipped ${record.topic}/${record.partition}@${record.offset}: ${outcome.reason}`);
        this.events.emit('skipped', { record: refOf(record), reason: outcome.reason });
        this.completeHead(lane, state);
        return this.finish(state);
      case 'retry':
        lane.firstFailureAt ||= Date.now();
        this.events.emit('retrying', {
          record: refOf(record),
          attempt: lane.attempts,
          delayMs: outcome.delayMs,
          error: outcome.error,
        });
        this.retryLater(lane, outcome.delayMs);
        return this.finish(state);
      case 'failed':
        lane.firstFailureAt ||= Date.now();
        return this.fail(lane, record, outcome.error);
    }
  }

  /** An event failed for good: dead-letter it, retry in place (breaker open), or stop its lane. */
  private fail(lane: Lane, record: ConsumedRecord, error: OrdoError): void {
    const state = lane.owner as PartitionState;
    const breaker = this.deadLetters?.breaker(record.topic);
    if (breaker?.allowsDeadLetter()) return this.deadLetter(lane, record, reasonFor(error), error);
    if (breaker) {
      // O4: dead-lettering is suspended; block in place and retry with the breaker's backoff.
      breaker.recordFailure();
      const delayMs = Math.max(breaker.retryDelayMs(), 10);
      this.events.emit('retrying', { record: refOf(record), attempt: lane.attempts, delayMs, error });
      this.retryLater(lane, delayMs);
      return this.finish(state);
    }
    // Without dead letters, a failed event stops its own lane only (O1, O3); its
    // offset is never committed (O2).
    lane.state = 'blocked';
    const ref = refOf(record);
    this.config.logger.error(`Event failed for good; its key lane is stopped`, {
      ...ref,
      attempts: lane.attempts,
      code: error.code,
      error: error.message,
    });
    this.events.emit('failed', { record: ref, attempts: lane.attempts, error });
    this.finish(state);
  }

  /** Writes the head to its dead-letter topic, then moves on; the slot is held meanwhile. */
  private deadLetter(lane: Lane, record: ConsumedRecord, reason: DeadLetterReason, error: OrdoError | undefined): void {
    const state = lane.owner as PartitionState;
    const router = this.deadLetters!;
    const facts = {
      reason,
      error,
      attempts: lane.attempts,
      firstFailureAt: lane.firstFailureAt || Date.now(),
      groupId: this.deps.groupId,
    };
    void router
      .route(record, facts, state.signal)
      .then((report) => {
        if (!report || state.abandoned) return;
        if (reason !== 'parked') {
          this.events.emit('failed', { record: refOf(record), attempts: lane.attempts, error: error! });
        }
        this.events.emit('dead-lettered', {
          record: refOf(record),
          reason,
          deadLetterTopic: report.topic,
          deadLetterOffset: report.offset,
        });
        this.completeHead(lane, state);
      })
      // The router retries and reports its own failures; anything that still escapes it is
      // reported rather than left to kill the process. The record stays the head of its
      // lane, uncommitted (O2): the partition's next owner redoes it.
      .catch((error: unknown) =>
        this.reportError(
          record,
          error,
          (m) => new DriverError(`Dead-letter routing failed: ${m}`, { retriable: false, cause: error }),
        ),
      )
      .finally(() => this.finish(state));
  }

  /** Emits `error` for a record: an `OrdoError` as it is, anything else wrapped by `wrap`. */
  private reportError(record: ConsumedRecord, error: unknown, wrap: (message: string) => OrdoError): void {
    const reported = error instanceof OrdoError ? error : wrap(messageOf(error));
    this.events.emit('error', { error: reported, record: refOf(record) });
  }

  private retryLater(lane: Lane, delayMs: number): void {
    const state = lane.owner as PartitionState;
    lane.state = 'backoff';
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      if (!state.closing) this.dispatcher.enqueue(lane);
    }, delayMs);
  }

  private finish(state: PartitionState): void {
    state.finished();
    this.dispatcher.release();
  }

  private completeHead(lane: Lane, state: PartitionState): void {
    const record = lane.queue.shift()!;
    lane.attempts = 0;
    lane.firstFailureAt = 0;
    state.tracker.complete(record.offset);
    if (lane.queue.length > 0 && !state.closing) {
      this.dispatcher.enqueue(lane);
    } else {
      lane.state = 'idle';
      state.lanes.release(lane);
    }
    this.flow.applyBackpressure(state);
    this.committer.schedule();
  }
}
