import { startMockCluster, type MockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver, type RdkafkaDriver } from './rdkafka-driver.js';
import type { RdkafkaDriverOptions } from './config.js';

/** Client settings under which the mock cluster rebalances in seconds (DEVELOPERS.md). */
export const FAST_GROUP = {
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 500,
  'max.poll.interval.ms': 10000,
} as const;

/** A driver on an `@ordo/kafka-mock` cluster, creating topics through the mock's API. */
export function mockDriver(cluster: MockCluster, options: Partial<RdkafkaDriverOptions> = {}): RdkafkaDriver {
  return rdkafkaDriver({
    brokers: cluster.bootstrapServers,
    createTopics: (topics) => topics.forEach((t) => cluster.createTopic(t.name, t.partitions)),
    consumer: FAST_GROUP,
    ...options,
  });
}

export { startMockCluster, type MockCluster };
