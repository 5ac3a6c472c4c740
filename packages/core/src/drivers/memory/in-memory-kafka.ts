import { InvalidConfigError, InvalidStateError } from '../../errors.js';
import type {
  ConsumedRecord,
  DriverAdmin,
  DriverCapabilities,
  DriverConsumer,
  DriverConsumerOptions,
  DriverProducer,
  KafkaDriver,
  TopicPartition,
  TopicSpec,
} from '../../driver/types.js';
import { GroupCoordinator, type CommitLogEntry } from './group-coordinator.js';
import { MemoryAdmin } from './memory-admin.js';
import { MemoryBroker } from './memory-broker.js';
import { MemoryConsumer, type MemoryClusterContext } from './memory-consumer.js';
import { MemoryFaults } from './memory-faults.js';
import { MemoryProducer } from './memory-producer.js';

/** Options of {@link InMemoryKafka}. */
export interface InMemoryKafkaOptions {
  /** Partitions of a topic created on first use. @default 4 */
  readonly partitions?: number;
  /** Create unknown topics on first produce or subscribe, as Kafka's `auto.create.topics.enable`. @default true */
  readonly autoCreateTopics?: boolean;
  /** Topics to create up front, with their partition counts. @default [] */
  readonly topics?: readonly TopicSpec[];
  /** Records kept per partition; older ones are dropped and the low watermark moves. @default Infinity */
  readonly retentionRecords?: number;
  /**
   * Largest record (key + value + headers) accepted. Kafka's own limit is about 1 MiB
   * per batch; this default lets a 1 MiB value through with its key and headers.
   * @default 1_114_112 (1 MiB + 64 KiB)
   */
  readonly maxRecordBytes?: number;
}

/**
 * An in-process Kafka for unit tests: topics and partitions, consumer groups that
 * rebalance as members join, leave or crash, committed offsets, retention, and fault
 * injection. It implements the same {@link KafkaDriver} seam as the production driver
 * and passes the same conformance suite. Deterministic: records move on microtasks,
 * never on timers, so it works under fake timers.
 *
 * @example
 * const kafka = new InMemoryKafka({ partitions: 4 });
 * const producer = createProducer({ driver: kafka });
 * kafka.faults.failNextSends(2);              // the next two sends fail, retriably
 * await kafka.crash(consumerDriver);          // a member dies without committing
 */
export class InMemoryKafka implements KafkaDriver {
  readonly name = 'memory';
  readonly capabilities: DriverCapabilities;
  /** Faults to inject into the next operations. */
  readonly faults = new MemoryFaults();
  /** Every commit of every group, in order, with whether the committer owned the partition. */
  readonly commitLog: CommitLogEntry[] = [];
  private readonly broker: MemoryBroker;
  private readonly groups = new Map<string, GroupCoordinator>();
  private readonly context: MemoryClusterContext;
  private memberSeq = 0;

  constructor(options: InMemoryKafkaOptions = {}) {
    const settings = {
      defaultPartitions: options.partitions ?? 4,
      autoCreateTopics: options.autoCreateTopics ?? true,
      retentionRecords: options.retentionRecords ?? Number.POSITIVE_INFINITY,
      maxRecordBytes: options.maxRecordBytes ?? 1_114_112,
    };
    if (!Number.isInteger(settings.defaultPartitions) || settings.defaultPartitions < 1) {
      throw new InvalidConfigError('partitions', 'must be a positive integer');
    }
    if (!(settings.retentionRecords >= 1)) throw new InvalidConfigError('retentionRecords', 'must be at least 1');
    if (!(settings.maxRecordBytes >= 1)) throw new InvalidConfigError('maxRecordBytes', 'must be at least 1');
    this.broker = new MemoryBroker(settings);
    this.capabilities = {
      createTopics: true,
      incrementalRebalance: true,
      maxRecordBytes: settings.maxRecordBytes,
      faultInjection: true,
      binaryHeaders: true,
    };
    for (const t of options.topics ?? []) this.broker.ensureTopic(t.name, t.partitions);
    this.context = {
      broker: this.broker,
      faults: this.faults,
      group: (groupId) => this.group(groupId),
      nextMemberId: (clientId) => `${clientId}-${++this.memberSeq}`,
    };
    // New partitions of a subscribed topic trigger a rebalance, as in Kafka.
    this.broker.onTopicChange((topic) => {
      for (const g of this.groups.values()) if (g.subscribes(topic)) void g.rebalance();
    });
  }

  createProducer(): DriverProducer {
    return new MemoryProducer(this.broker, this.faults);
  }

  createConsumer(options: DriverConsumerOptions): DriverConsumer {
    return new MemoryConsumer(this.context, options);
  }

  admin(): DriverAdmin {
    return new MemoryAdmin(this.context);
  }

  /**
   * Kills a consumer as `kill -9` would: no revoke callback, no commit. Its partitions
   * move to the remaining members, which resume from the last committed offsets.
   * Resolves when the group has rebalanced.
   */
  crash(consumer: DriverConsumer): Promise<void> {
    if (!(consumer instanceof MemoryConsumer)) {
      throw new InvalidStateError('crash() takes a consumer created by this InMemoryKafka');
    }
    return consumer.crash();
  }

  /** Records stored in a partition (after retention), for assertions. */
  records(topic: string, partition: number): ConsumedRecord[] {
    const log = this.broker.logsOf(topic)[partition];
    return log ? log.read(log.low, log.high - log.low) : [];
  }

  /** Names of all topics. */
  topicNames(): string[] {
    return this.broker.topicNames();
  }

  /** Which member owns which partitions, per member id. */
  assignments(groupId: string): Map<string, TopicPartition[]> {
    return this.group(groupId).assignments();
  }

  /** The committed next-to-read offset of a group, or `undefined`. */
  committed(groupId: string, tp: TopicPartition): number | undefined {
    return this.group(groupId).committedOffset(tp);
  }

  private group(groupId: string): GroupCoordinator {
    let g = this.groups.get(groupId);
    if (!g) this.groups.set(groupId, (g = new GroupCoordinator(groupId, this.broker, this.commitLog)));
    return g;
  }
}
