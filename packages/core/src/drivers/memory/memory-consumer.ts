import { DriverError, InvalidConfigError, InvalidStateError, OrdoError } from '../../errors.js';
import { compareTopicPartitions, tpKey } from '../../driver/topic-partition.js';
import type {
  ConsumerListener,
  DriverConsumer,
  DriverConsumerOptions,
  TopicPartition,
  TopicPartitionOffset,
} from '../../driver/types.js';
import type { GroupCoordinator, GroupMember } from './group-coordinator.js';
import type { MemoryBroker } from './memory-broker.js';
import type { MemoryFaults } from './memory-faults.js';

/** What a consumer needs of its cluster. */
export interface MemoryClusterContext {
  readonly broker: MemoryBroker;
  readonly faults: MemoryFaults;
  group(groupId: string): GroupCoordinator;
  nextMemberId(clientId: string): string;
}

interface Position {
  readonly tp: TopicPartition;
  offset: number;
  paused: boolean;
}

type State = 'idle' | 'active' | 'leaving' | 'left' | 'crashed';

/**
 * A consumer-group member of `InMemoryKafka`. Records are pushed from microtasks,
 * never from timers, so tests run the same under fake timers and stay deterministic.
 */
export class MemoryConsumer implements DriverConsumer, GroupMember {
  memberId = '';
  topics: ReadonlySet<string> = new Set();
  private state: State = 'idle';
  private listener: ConsumerListener | undefined;
  private readonly positions = new Map<string, Position>();
  private readonly maxBatchSize: number;
  private pumpScheduled = false;
  private unsubscribes: Array<() => void> = [];

  constructor(
    private readonly cluster: MemoryClusterContext,
    private readonly options: DriverConsumerOptions,
  ) {
    if (!options.groupId) throw new InvalidConfigError('groupId', 'must be a non-empty string');
    this.maxBatchSize = options.maxBatchSize ?? 500;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new InvalidConfigError('maxBatchSize', 'must be a positive integer');
    }
  }

  private get group(): GroupCoordinator {
    return this.cluster.group(this.options.groupId);
  }

  async subscribe(topics: readonly string[], listener: ConsumerListener): Promise<void> {
    if (this.state !== 'idle') throw new InvalidStateError(`Cannot subscribe a consumer that is ${this.state}`);
    if (topics.length === 0) throw new InvalidConfigError('topics', 'must name at least one topic');
    const { broker } = this.cluster;
    if (broker.settings.autoCreateTopics) for (const t of topics) broker.logsOf(t);
    this.listener = listener;
    this.topics = new Set(topics);
    this.memberId = this.cluster.nextMemberId(this.options.clientId ?? 'memory-consumer');
    this.state = 'active';
    this.unsubscribes = [
      broker.onAppend((topic) => this.topics.has(topic) && this.schedulePump()),
      this.cluster.faults.onUnstall(() => this.schedulePump()),
    ];
    await this.group.join(this);
  }

  owned(): TopicPartition[] {
    return [...this.positions.values()].map((p) => p.tp).sort(compareTopicPartitions);
  }

  assignment(): TopicPartition[] {
    return this.owned();
  }

  async revoke(partitions: readonly TopicPartition[]): Promise<void> {
    try {
      if (this.state === 'active' || this.state === 'leaving') await this.listener!.onRevoke(partitions);
    } catch (error) {
      this.reportError(error);
    } finally {
      for (const tp of partitions) this.positions.delete(tpKey(tp));
    }
  }

  async assign(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) {
      const committed = this.group.committedOffset(tp);
      this.positions.set(tpKey(tp), { tp, offset: committed ?? this.resetOffset(tp), paused: false });
    }
    try {
      await this.listener!.onAssign(partitions);
    } catch (error) {
      this.reportError(error);
    }
    this.schedulePump();
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const p = this.positions.get(tpKey(tp));
      if (p) p.paused = true;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const p = this.positions.get(tpKey(tp));
      if (p) p.paused = false;
    }
    this.schedulePump();
  }

  seek(position: TopicPartitionOffset): void {
    const p = this.positions.get(tpKey(position));
    if (!p) throw new InvalidStateError(`Cannot seek ${tpKey(position)}: it is not assigned to this member`);
    p.offset = position.offset;
    this.schedulePump();
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await Promise.resolve();
    const failure = this.cluster.faults.takeCommitFailure();
    if (failure) throw failure;
    this.group.commit(this, offsets);
  }

  async disconnect(): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'leaving';
    try {
      await this.group.leave(this);
    } finally {
      this.shutDown('left');
    }
  }

  /** Vanishes without revoking or committing, like a killed process. @internal */
  crash(): Promise<void> {
    if (this.state !== 'active' && this.state !== 'leaving') return Promise.resolve();
    this.shutDown('crashed');
    return this.group.crash(this);
  }

  private shutDown(state: State): void {
    this.state = state;
    this.positions.clear();
    for (const u of this.unsubscribes) u();
    this.unsubscribes = [];
  }

  private resetOffset(tp: TopicPartition): number {
    const log = this.cluster.broker.logsOf(tp.topic)[tp.partition]!;
    return this.options.autoOffsetReset === 'latest' ? log.high : log.low;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.state !== 'active') return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Delivers one batch per ready partition, then yields so partitions interleave. */
  private pump(): void {
    let more = false;
    for (const p of this.positions.values()) {
      if (this.state !== 'active') return;
      if (p.paused || this.cluster.faults.isStalled(p.tp)) continue;
      const log = this.cluster.broker.logsOf(p.tp.topic)[p.tp.partition]!;
      // Kafka's "offset out of range": retention removed the position; reset.
      if (p.offset < log.low || p.offset > log.high) p.offset = this.resetOffset(p.tp);
      const records = log.read(p.offset, this.maxBatchSize);
      if (records.length === 0) continue;
      p.offset = records[records.length - 1]!.offset + 1;
      try {
        this.listener!.onRecords({ topic: p.tp.topic, partition: p.tp.partition, records });
      } catch (error) {
        this.reportError(error);
      }
      if (p.offset < log.high) more = true;
    }
    if (more) this.schedulePump();
  }

  private reportError(error: unknown): void {
    const wrapped =
      error instanceof OrdoError
        ? error
        : new DriverError(`Consumer callback failed: ${String(error)}`, { retriable: false, cause: error });
    try {
      this.listener?.onError(wrapped);
    } catch {
      // A throwing error listener must not break the group's rebalance.
    }
  }
}
