import { describeDriverConformance } from '@ordo/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';
import type { RdkafkaDriver } from './rdkafka-driver.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

describeDriverConformance('rdkafka on @ordo/kafka-mock', () => mockDriver(cluster), {
  crash: (driver, consumer) => (driver as RdkafkaDriver).crash(consumer),
  timeoutMs: 60_000,
  consumerOverrides: { commitIntervalMs: 50 },
});
