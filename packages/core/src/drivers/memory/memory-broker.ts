import { RecordTooLargeError, UnknownTopicError, InvalidMessageError } from '../../errors.js';
import { validateTopicName } from '../../message/topic-name.js';
import { partitionFor } from '../../partition/partitioner.js';
import type { ConsumedRecord, DeliveryReport, ProducerRecord, TopicSpec } from '../../driver/types.js';
import { recordSize } from '../../driver/record-size.js';
import { PartitionLog } from './partition-log.js';

/** Settings of the in-memory broker, resolved by `InMemoryKafka`. */
export interface BrokerSettings {
  readonly defaultPartitions: number;
  readonly autoCreateTopics: boolean;
  readonly retentionRecords: number;
  readonly maxRecordBytes: number;
}

/** Topics and their partition logs; tells listeners when records are appended. */
export class MemoryBroker {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly appendListeners = new Set<(topic: string) => void>();
  private readonly topicListeners = new Set<(topic: string) => void>();

  constructor(readonly settings: BrokerSettings) {}

  /** Creates the topic, or adds partitions to reach `partitions`; never shrinks. */
  ensureTopic(name: string, partitions = this.settings.defaultPartitions): PartitionLog[] {
    validateTopicName(name);
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new InvalidMessageError(`Topic "${name}" needs a positive partition count, got ${partitions}`);
    }
    let logs = this.topics.get(name);
    const before = logs?.length ?? 0;
    if (!logs) this.topics.set(name, (logs = []));
    while (logs.length < partitions) logs.push(new PartitionLog(this.settings.retentionRecords));
    if (logs.length !== before) for (const l of this.topicListeners) l(name);
    return logs;
  }

  /** The topic's logs, creating it when auto-creation is on. */
  logsOf(topic: string): PartitionLog[] {
    const logs = this.topics.get(topic);
    if (logs) return logs;
    if (!this.settings.autoCreateTopics) throw new UnknownTopicError(topic);
    return this.ensureTopic(topic);
  }

  has(topic: string): boolean {
    return this.topics.has(topic);
  }

  describe(name: string): TopicSpec {
    const logs = this.topics.get(name);
    if (!logs) throw new UnknownTopicError(name);
    return { name, partitions: logs.length };
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  /**
   * Appends records atomically: all are validated before any is stored, so a bad
   * record in a batch stores nothing.
   */
  append(records: readonly ProducerRecord[], now: number): DeliveryReport[] {
    const placed = records.map((r) => ({ record: r, ...this.place(r) }));
    const reports = placed.map(({ record, log, partition }) => ({
      topic: record.topic,
      partition,
      offset: log.append({
        topic: record.topic,
        partition,
        key: typeof record.key === 'string' ? Buffer.from(record.key, 'utf8') : record.key,
        value: record.value,
        headers: { ...record.headers },
        timestamp: record.timestamp ?? now,
      } satisfies Omit<ConsumedRecord, 'offset'>),
    }));
    for (const topic of new Set(records.map((r) => r.topic))) {
      for (const l of this.appendListeners) l(topic);
    }
    return reports;
  }

  onAppend(listener: (topic: string) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Called when a topic is created or grows. */
  onTopicChange(listener: (topic: string) => void): () => void {
    this.topicListeners.add(listener);
    return () => this.topicListeners.delete(listener);
  }

  private place(record: ProducerRecord): { log: PartitionLog; partition: number } {
    const logs = this.logsOf(record.topic);
    const size = recordSize(record);
    if (size > this.settings.maxRecordBytes) {
      throw new RecordTooLargeError(record.topic, size, this.settings.maxRecordBytes);
    }
    const partition = record.partition ?? partitionFor(record.key, logs.length);
    const log = logs[partition];
    if (!Number.isInteger(partition) || !log) {
      throw new InvalidMessageError(
        `Partition ${partition} does not exist in topic "${record.topic}" (${logs.length} partitions)`,
      );
    }
    return { log, partition };
  }
}
