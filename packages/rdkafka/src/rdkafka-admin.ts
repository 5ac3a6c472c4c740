import {
  DriverError,
  UnknownTopicError,
  type DriverAdmin,
  type TopicPartitionOffset,
  type TopicSpec,
  type Watermarks,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import type { ResolvedRdkafkaOptions } from './config.js';
import { driverError } from './map-error.js';

/**
 * Admin operations over node-rdkafka. Each call opens its own short-lived client and
 * closes it, so an idle driver holds no connection and keeps no process alive.
 */
export class RdkafkaAdmin implements DriverAdmin {
  constructor(private readonly options: ResolvedRdkafkaOptions) {}

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = await this.partitionCounts();
    const missing = topics.filter((t) => !existing.has(t.name));
    const tooSmall = topics.filter((t) => (existing.get(t.name) ?? t.partitions) < t.partitions);
    if (missing.length > 0) {
      if (this.options.createTopics) await this.options.createTopics(missing);
      else await this.withAdminClient((admin) => Promise.all(missing.map((t) => createTopic(admin, t, this.options))));
    }
    if (tooSmall.length > 0) {
      await this.withAdminClient((admin) => Promise.all(tooSmall.map((t) => growTopic(admin, t, this.options))));
    }
    if (missing.length + tooSmall.length > 0) await this.awaitPartitions(topics);
  }

  async describeTopics(names: readonly string[]): Promise<TopicSpec[]> {
    const counts = await this.partitionCounts();
    return names.map((name) => {
      const partitions = counts.get(name);
      if (partitions === undefined) throw new UnknownTopicError(name);
      return { name, partitions };
    });
  }

  async committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]> {
    const [{ partitions }] = (await this.describeTopics([topic])) as [TopicSpec];
    const consumer = new Kafka.KafkaConsumer(
      { 'bootstrap.servers': this.options.brokers, 'group.id': groupId, ...this.options.common },
      {},
    );
    await connect(consumer, this.options.adminTimeoutMs);
    try {
      const query = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
      const result = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
        consumer.committed(query, this.options.adminTimeoutMs, (error, offsets) =>
          error ? reject(driverError(error, 'Committed offsets')) : resolve(offsets),
        ),
      );
      return result
        .map(({ topic: t, partition, offset }) => ({
          topic: t,
          partition,
          // node-rdkafka leaves `offset` out where nothing is committed; the seam says -1.
          offset: typeof offset === 'number' && offset >= 0 ? offset : -1,
        }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await disconnect(consumer);
    }
  }

  watermarks(topic: string, partition: number): Promise<Watermarks> {
    return this.withProducer(
      (producer) =>
        new Promise((resolve, reject) =>
          producer.queryWatermarkOffsets(topic, partition, this.options.adminTimeoutMs, (error, offsets) =>
            error
              ? reject(driverError(error, 'Watermarks'))
              : resolve({ low: offsets.lowOffset, high: offsets.highOffset }),
          ),
        ),
    );
  }

  /** Partition counts of every topic, from cluster metadata (asking for all topics creates none). */
  private partitionCounts(): Promise<Map<string, number>> {
    return this.withProducer(
      (producer) =>
        new Promise((resolve, reject) =>
          producer.getMetadata({ timeout: this.options.adminTimeoutMs }, (error, metadata) =>
            error
              ? reject(driverError(error, 'Metadata'))
              : resolve(new Map(metadata.topics.map((t) => [t.name, t.partitions.length]))),
          ),
        ),
    );
  }

  /** Metadata lags topic creation; wait until every topic shows its partitions. */
  private async awaitPartitions(topics: readonly TopicSpec[]): Promise<void> {
    const deadline = Date.now() + this.options.adminTimeoutMs;
    for (;;) {
      const counts = await this.partitionCounts();
      if (topics.every((t) => (counts.get(t.name) ?? 0) >= t.partitions)) return;
      if (Date.now() > deadline) {
        throw new DriverError(`Topics ${topics.map((t) => t.name).join(', ')} did not appear in metadata`, {
          retriable: true,
        });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async withProducer<T>(use: (producer: Kafka.Producer) => Promise<T>): Promise<T> {
    const producer = new Kafka.Producer({
      'bootstrap.servers': this.options.brokers,
      'client.id': `${this.options.clientId}-admin`,
      ...this.options.common,
    });
    await connect(producer, this.options.adminTimeoutMs);
    try {
      return await use(producer);
    } finally {
      await disconnect(producer);
    }
  }

  private async withAdminClient<T>(use: (admin: Kafka.IAdminClient) => Promise<T>): Promise<T> {
    const admin = Kafka.AdminClient.create({
      'bootstrap.servers': this.options.brokers,
      'client.id': `${this.options.clientId}-admin`,
      ...this.options.common,
    });
    try {
      return await use(admin);
    } finally {
      admin.disconnect();
    }
  }
}

const ERR_TOPIC_ALREADY_EXISTS = 36;

function createTopic(admin: Kafka.IAdminClient, t: TopicSpec, o: ResolvedRdkafkaOptions): Promise<void> {
  return new Promise((resolve, reject) =>
    admin.createTopic(
      { topic: t.name, num_partitions: t.partitions, replication_factor: o.replicationFactor },
      o.adminTimeoutMs,
      (error) =>
        error && error.code !== ERR_TOPIC_ALREADY_EXISTS
          ? reject(driverError(error, `Create topic ${t.name}`))
          : resolve(),
    ),
  );
}

function growTopic(admin: Kafka.IAdminClient, t: TopicSpec, o: ResolvedRdkafkaOptions): Promise<void> {
  return new Promise((resolve, reject) =>
    admin.createPartitions(t.name, t.partitions, o.adminTimeoutMs, (error) =>
      error ? reject(driverError(error, `Add partitions to ${t.name}`)) : resolve(),
    ),
  );
}

function connect(client: Kafka.Producer | Kafka.KafkaConsumer, timeout: number): Promise<void> {
  return new Promise((resolve, reject) =>
    client.connect({ timeout }, (error) => (error ? reject(driverError(error, 'Connect')) : resolve())),
  );
}

function disconnect(client: Kafka.Producer | Kafka.KafkaConsumer): Promise<void> {
  return new Promise((resolve) => client.disconnect(() => resolve()));
}
