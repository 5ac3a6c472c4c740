import { deadLetterScenarios } from '@ordo/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

describe('dead letters on @ordo/rdkafka with @ordo/kafka-mock', () => {
  deadLetterScenarios(() => mockDriver(cluster), 60_000);
});
