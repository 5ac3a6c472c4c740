import { randomUUID } from 'node:crypto';
import {
  InvalidConfigError,
  InvalidStateError,
  NotMemberError,
  TimeoutError,
  tpKey,
  type ConsumerListener,
  type DriverConsumer,
  type DriverConsumerOptions,
  type RecordBatch,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import { consumerConfig, type ResolvedRdkafkaOptions } from './config.js';
import { withinDeadline } from './deadline.js';
import { DeliveryGate } from './delivery-gate.js';
import { commitError, driverError } from './map-error.js';
import { splitRuns } from './split-runs.js';

const ERR__ASSIGN_PARTITIONS = -175;
const ERR__REVOKE_PARTITIONS = -174;
const ERR__NO_OFFSET = -168;
const ERR__STATE = -172;
// Reported by librdkafka while a subscribed topic is missing or not readable; node-rdkafka's
// own consume loop turns them into warnings, and so does this driver.
const ERR_UNKNOWN_TOPIC_OR_PART = 3;
const ERR_TOPIC_AUTHORIZATION_FAILED = 29;
/**
 * Most records taken from librdkafka per consume call: the most a paused partition can
 * have held in the driver, and the most the event loop converts and hands over in one
 * turn.
 */
export const CONSUME_CHUNK = 1000;
/**
 * Longest wait in librdkafka for the first record after a consume call came back
 * empty. The call runs on a libuv pool thread: a short wait gives that thread back
 * often to other work queued for the pool (the producer's flush, fs, dns), at the cost
 * of an empty call every so often when idle.
 */
const IDLE_WAIT_MS = 50;
/** Pause after a failed consume call before the next, so a lasting error does not spin. */
const CONSUME_ERROR_BACKOFF_MS = 100;
/** Largest batch handed to the listener unless `maxBatchSize` says otherwise (the seam's default). */
const DEFAULT_MAX_BATCH = 500;

interface CommitWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A consumer-group member over node-rdkafka. Offsets are committed only through
 * `commit()`; rebalances are cooperative-sticky and incremental, and a revoke is
 * acknowledged to the group only after the listener has drained and committed.
 *
 * Records are pulled, not pushed: one `consume(CONSUME_CHUNK)` call at a time, the
 * next issued once the last one's records are handed over. node-rdkafka's flowing
 * mode cannot be bounded: its thread drains librdkafka into an unbounded queue as
 * fast as the broker sends, whatever is paused, and the main thread then converts the
 * whole queue in one go. Pulling leaves prefetching to librdkafka, which stops at its
 * queue limits and drops what it holds for a partition when it is paused.
 */
export class RdkafkaConsumer implements DriverConsumer {
  readonly memberId: string;
  private consumer: Kafka.KafkaConsumer | undefined;
  private listener: ConsumerListener | undefined;
  private readonly owned = new Map<string, TopicPartition>();
  private readonly commitWaiters: CommitWaiter[] = [];
  /** Holds back records of paused partitions (see {@link DeliveryGate}). */
  private readonly gate = new DeliveryGate((key, batch) => {
    if (this.owned.has(key)) this.listener?.onRecords(batch);
  });
  private readonly maxBatch: number;
  /** Set once disconnecting starts: no consume call is issued after it. */
  private closing = false;
  private rebalances: Promise<void> = Promise.resolve();
  private abandoned = false;

  constructor(
    private readonly options: ResolvedRdkafkaOptions,
    private readonly consumerOptions: DriverConsumerOptions,
  ) {
    this.memberId = `${consumerOptions.clientId ?? options.clientId}-${randomUUID().slice(0, 8)}`;
    this.maxBatch = consumerOptions.maxBatchSize ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new InvalidConfigError('maxBatchSize', 'must be a positive integer');
    }
  }

  async subscribe(topics: readonly string[], listener: ConsumerListener): Promise<void> {
    if (this.consumer) throw new InvalidStateError('This consumer is already subscribed');
    this.listener = listener;
    const consumer = new Kafka.KafkaConsumer(
      {
        ...consumerConfig(this.options, this.consumerOptions.groupId, this.consumerOptions.clientId),
        rebalance_cb: (error: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) =>
          this.onRebalance(error, assignment),
        offset_commit_cb: (error: Kafka.LibrdKafkaError | null, offsets: Kafka.TopicPartitionOffset[]) =>
          this.onCommitted(error, offsets),
      } as Kafka.ConsumerGlobalConfig,
      { 'auto.offset.reset': this.consumerOptions.autoOffsetReset ?? 'earliest' },
    );
    consumer.on('event.error', (error) => this.listener?.onError(driverError(error, 'Consumer')));
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: this.options.adminTimeoutMs }, (error) =>
        error ? reject(driverError(error, 'Consumer connect')) : resolve(),
      ),
    );
    this.consumer = consumer;
    consumer.subscribe([...topics]);
    this.consumeNext(consumer, false);
  }

  /** Stops fetching; records of these partitions already taken from librdkafka are held until resumed. */
  pause(partitions: readonly TopicPartition[]): void {
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp)));
    if (owned.length === 0) return;
    for (const tp of owned) this.gate.pause(tpKey(tp));
    this.consumer?.pause(owned.map(({ topic, partition }) => ({ topic, partition })));
  }

  resume(partitions: readonly TopicPartition[]): void {
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp)));
    if (owned.length === 0) return;
    this.consumer?.resume(owned.map(({ topic, partition }) => ({ topic, partition })));
    for (const tp of owned) this.gate.resume(tpKey(tp));
  }

  seek(position: TopicPartitionOffset): void {
    if (!this.consumer || !this.owned.has(tpKey(position))) {
      throw new InvalidStateError(`Cannot seek ${tpKey(position)}: it is not assigned to this member`);
    }
    const { topic, partition, offset } = position;
    this.gate.drop(tpKey(position));
    this.consumer.seek({ topic, partition, offset }, 0, (error) => {
      if (error) this.listener?.onError(driverError(error, `Seek ${tpKey(position)}`));
    });
  }

  commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.abandoned) {
      return Promise.reject(new NotMemberError(this.consumerOptions.groupId, this.memberId));
    }
    if (offsets.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      this.commitWaiters.push(waiter);
      try {
        consumer.commit(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })));
      } catch (error) {
        this.commitWaiters.splice(this.commitWaiters.indexOf(waiter), 1);
        reject(commitError(error, this.consumerOptions.groupId, this.memberId));
      }
    });
  }

  assignment(): TopicPartition[] {
    return [...this.owned.values()];
  }

  async disconnect(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    this.closing = true;
    // Closing runs the final revoke through onRebalance, so the listener can commit.
    const closed = (async () => {
      await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
      await this.rebalances;
    })();
    const limitMs = this.options.adminTimeoutMs * 3;
    if (!(await withinDeadline(closed, limitMs))) {
      this.listener?.onError(new TimeoutError(`Closing consumer ${this.memberId}`, limitMs));
    }
    this.consumer = undefined;
    this.owned.clear();
    this.gate.clear();
    for (const waiter of this.commitWaiters.splice(0)) {
      waiter.reject(new NotMemberError(this.consumerOptions.groupId, this.memberId));
    }
  }

  /**
   * Leaves the group without revoking through the listener and without committing,
   * as a crashed process would (the group notices at once instead of after the session
   * timeout). For tests of at-least-once delivery.
   */
  async abandon(): Promise<void> {
    this.abandoned = true;
    this.gate.clear();
    await this.disconnect();
  }

  private onRebalance(error: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void {
    const consumer = this.consumer;
    const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
    const cooperative = consumer?.rebalanceProtocol() === 'COOPERATIVE';
    const step = async (): Promise<void> => {
      if (!consumer) return;
      if (error.code === ERR__ASSIGN_PARTITIONS) {
        for (const tp of partitions) this.owned.set(tpKey(tp), tp);
        if (!this.abandoned) await this.listener?.onAssign(partitions);
        if (cooperative) consumer.incrementalAssign(partitions);
        else consumer.assign(partitions);
      } else if (error.code === ERR__REVOKE_PARTITIONS) {
        if (!this.abandoned) await this.listener?.onRevoke(partitions);
        const paused = partitions.filter((tp) => this.gate.isPaused(tpKey(tp)));
        for (const tp of partitions) {
          this.owned.delete(tpKey(tp));
          this.gate.drop(tpKey(tp));
        }
        if (cooperative) consumer.incrementalUnassign(partitions);
        else consumer.unassign();
        // librdkafka keeps a partition paused across assignments: one assigned here
        // again would never be fetched, since a new assignment starts unpaused.
        if (paused.length > 0) consumer.resume(paused);
      } else {
        this.listener?.onError(driverError(error, 'Rebalance'));
      }
    };
    this.rebalances = this.rebalances.then(step).catch((e: unknown) => {
      this.listener?.onError(driverError(e, 'Rebalance'));
    });
  }

  private onCommitted(error: Kafka.LibrdKafkaError | null, offsets: Kafka.TopicPartitionOffset[]): void {
    const waiter = this.commitWaiters.shift();
    if (!waiter) return;
    const failed =
      error && error.code !== ERR__NO_OFFSET ? error : offsets.find((o) => (o as { error?: unknown }).error);
    if (failed)
      waiter.reject(
        commitError((failed as { error?: unknown }).error ?? failed, this.consumerOptions.groupId, this.memberId),
      );
    else waiter.resolve();
  }

  /**
   * Takes the next chunk from librdkafka on a pool thread, hands it over, then asks
   * for the next: each chunk is its own turn of the event loop, and nothing is taken
   * from librdkafka faster than the listener takes it.
   *
   * node-rdkafka's `consume(n)` waits up to its timeout for each of the n records, so a
   * call with a long timeout would keep records it has while more trickle in. Hence two
   * kinds of call: after an empty one, wait (up to `IDLE_WAIT_MS`) for one record only;
   * after one with records, take what librdkafka already holds, up to `CONSUME_CHUNK`,
   * without waiting.
   */
  private consumeNext(consumer: Kafka.KafkaConsumer, busy: boolean): void {
    if (this.closing || this.consumer !== consumer) return;
    consumer.setDefaultConsumeTimeout(busy ? 0 : IDLE_WAIT_MS);
    try {
      consumer.consume(busy ? CONSUME_CHUNK : 1, (error, messages) => {
        if (this.closing || this.consumer !== consumer) return;
        if (error) {
          if (error.code !== ERR_UNKNOWN_TOPIC_OR_PART && error.code !== ERR_TOPIC_AUTHORIZATION_FAILED) {
            this.listener?.onError(driverError(error, 'Fetch'));
          }
          // Not connected: the client is gone, as node-rdkafka's own loop would stop.
          if (error.code !== ERR__STATE) setTimeout(() => this.consumeNext(consumer, false), CONSUME_ERROR_BACKOFF_MS);
          return;
        }
        if (!this.abandoned) splitRuns(messages, this.maxBatch, (key, batch) => this.handOver(key, batch));
        this.consumeNext(consumer, messages.length > 0);
      });
    } catch (error) {
      this.listener?.onError(driverError(error, 'Fetch'));
    }
  }

  /** Hands a run to the listener through the gate, if this member still owns its partition. */
  private handOver(key: string, batch: RecordBatch): void {
    if (this.owned.has(key)) this.gate.offer(key, batch);
  }
}
