import { randomUUID } from 'node:crypto';
import {
  InvalidStateError,
  NotMemberError,
  TimeoutError,
  tpKey,
  type ConsumedRecord,
  type ConsumerListener,
  type DriverConsumer,
  type DriverConsumerOptions,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import { consumerConfig, type ResolvedRdkafkaOptions } from './config.js';
import { withinDeadline } from './deadline.js';
import { commitError, driverError } from './map-error.js';
import { toConsumedRecord } from './to-consumed-record.js';

const ERR__ASSIGN_PARTITIONS = -175;
const ERR__REVOKE_PARTITIONS = -174;
const ERR__NO_OFFSET = -168;
/** Longest run of one partition's records handed over at once. */
const MAX_RUN = 256;

interface CommitWaiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A consumer-group member over node-rdkafka. Offsets are committed only through
 * `commit()`; rebalances are cooperative-sticky and incremental, and a revoke is
 * acknowledged to the group only after the listener has drained and committed.
 */
export class RdkafkaConsumer implements DriverConsumer {
  readonly memberId: string;
  private consumer: Kafka.KafkaConsumer | undefined;
  private listener: ConsumerListener | undefined;
  private readonly owned = new Map<string, TopicPartition>();
  private readonly commitWaiters: CommitWaiter[] = [];
  /**
   * The run of records just received from one partition, not yet handed over. It is
   * handed over when a record of another partition arrives, when it is `MAX_RUN` long,
   * and at the end of the event-loop turn: records are not kept (and copied by the
   * garbage collector) while a long turn of fetched records goes by.
   */
  private run: ConsumedRecord[] = [];
  private runTopic = '';
  private runPartition = -1;
  /** `tpKey` of the run's partition, made once per run rather than once per hand-over. */
  private runKey = '';
  private flushScheduled = false;
  private rebalances: Promise<void> = Promise.resolve();
  private abandoned = false;

  constructor(
    private readonly options: ResolvedRdkafkaOptions,
    private readonly consumerOptions: DriverConsumerOptions,
  ) {
    this.memberId = `${consumerOptions.clientId ?? options.clientId}-${randomUUID().slice(0, 8)}`;
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
    // Block in librdkafka for at most 100 ms per call, and never sleep between calls:
    // records reach the engine as soon as they are fetched.
    consumer.setDefaultConsumeTimeout(100);
    consumer.setDefaultConsumeLoopTimeoutDelay(0);
    consumer.subscribe([...topics]);
    consumer.consume((error, message) => {
      if (error) this.listener?.onError(driverError(error, 'Fetch'));
      else if (message) this.receive(message as unknown as Kafka.Message);
    });
  }

  pause(partitions: readonly TopicPartition[]): void {
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp)));
    if (owned.length > 0) this.consumer?.pause(owned.map(({ topic, partition }) => ({ topic, partition })));
  }

  resume(partitions: readonly TopicPartition[]): void {
    const owned = partitions.filter((tp) => this.owned.has(tpKey(tp)));
    if (owned.length > 0) this.consumer?.resume(owned.map(({ topic, partition }) => ({ topic, partition })));
  }

  seek(position: TopicPartitionOffset): void {
    if (!this.consumer || !this.owned.has(tpKey(position))) {
      throw new InvalidStateError(`Cannot seek ${tpKey(position)}: it is not assigned to this member`);
    }
    const { topic, partition, offset } = position;
    if (this.runTopic === topic && this.runPartition === partition) this.run = [];
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
    this.run = [];
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
        this.flush();
        if (!this.abandoned) await this.listener?.onRevoke(partitions);
        for (const tp of partitions) this.owned.delete(tpKey(tp));
        if (cooperative) consumer.incrementalUnassign(partitions);
        else consumer.unassign();
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

  /** Adds a record to the current run; hands the run over first if it cannot take it. */
  private receive(message: Kafka.Message): void {
    if (this.abandoned) return;
    const partition = message.partition;
    // A string compare, then the run's own topic string (see toConsumedRecord).
    const sameRun = partition === this.runPartition && message.topic === this.runTopic;
    if (!sameRun || this.run.length >= MAX_RUN) {
      this.flush();
      if (!sameRun) {
        this.runTopic = message.topic;
        this.runPartition = partition;
        this.runKey = tpKey({ topic: this.runTopic, partition });
      }
    }
    this.run.push(toConsumedRecord(message, this.runTopic));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Hands the current run to the listener, if this member still owns its partition. */
  private flush(): void {
    const records = this.run;
    if (records.length === 0) return;
    this.run = [];
    if (this.owned.has(this.runKey)) {
      this.listener?.onRecords({ topic: this.runTopic, partition: this.runPartition, records });
    }
  }
}
