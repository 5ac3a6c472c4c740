import 'reflect-metadata';
import { waitFor } from '@ordo/core/testing';
import { startMockCluster, type MockCluster } from '@ordo/kafka-mock';
import { rdkafkaDriver } from '@ordo/rdkafka';
import { container as rootContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_OVERRIDES, ORDO_DRIVER } from './index.js';
import { configureShop } from './test-app/shop-app.js';
import { BackfillEmail } from './test-app/shop-handlers.js';
import { poisonScenario, runShopScenario } from './test-app/shop-scenarios.js';
import { Journal } from './test-app/shop-services.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

describe('the shop app on @ordo/rdkafka with @ordo/kafka-mock', () => {
  it('handles its events and resolves a parked key through an appended override', async () => {
    const container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, {
      useValue: rdkafkaDriver({
        brokers: cluster.bootstrapServers,
        createTopics: (topics) => topics.forEach((t) => cluster.createTopic(t.name, t.partitions)),
        // Group settings under which the mock cluster rebalances in seconds (DEVELOPERS.md).
        consumer: { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 500, 'max.poll.interval.ms': 10000 },
      }),
    });
    container.register(DEAD_LETTER_OVERRIDES, { useValue: { users: { handler: BackfillEmail } } });
    try {
      await runShopScenario(container, 60_000);
      const { resolved, deadLetterFailures } = await poisonScenario(container, 60_000);
      await waitFor(() => resolved.length > 0, { timeoutMs: 60_000, describe: () => 'u2 resolved' });
      expect(deadLetterFailures).toEqual([]);
      expect(
        container
          .resolve(Journal)
          .of('u2')
          .map((e) => [e.handler, e.topic]),
      ).toEqual([
        ['BackfillEmail', 'users.dead-letter'],
        ['OnUserRenamed', 'users.dead-letter'],
      ]);
    } finally {
      await container.dispose();
    }
  }, 180_000);
});
