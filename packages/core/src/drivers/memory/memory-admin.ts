import type { DriverAdmin, TopicPartitionOffset, TopicSpec, Watermarks } from '../../driver/types.js';
import { InvalidMessageError } from '../../errors.js';
import type { MemoryClusterContext } from './memory-consumer.js';

/** Admin operations of `InMemoryKafka`. */
export class MemoryAdmin implements DriverAdmin {
  constructor(private readonly cluster: MemoryClusterContext) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const t of topics) this.cluster.broker.ensureTopic(t.name, t.partitions);
  }

  async describeTopics(names: readonly string[]): Promise<TopicSpec[]> {
    return names.map((n) => this.cluster.broker.describe(n));
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const { partitions } = this.cluster.broker.describe(topic);
    const group = this.cluster.group(groupId);
    return Array.from({ length: partitions }, (_, partition) => ({
      topic,
      partition,
      offset: group.committedOffset({ topic, partition }) ?? -1,
    }));
  }

  async watermarks(topic: string, partition: number): Promise<Watermarks> {
    const log = this.cluster.broker.describe(topic) && this.cluster.broker.logsOf(topic)[partition];
    if (!log) throw new InvalidMessageError(`Partition ${partition} does not exist in topic "${topic}"`);
    return { low: log.low, high: log.high };
  }
}
