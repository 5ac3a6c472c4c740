import { expect, it } from 'vitest';
import { createConsumer } from '../../consumer/consumer.js';
import { OrderingInvariant } from '../invariants.js';
import { randomDelay, waitFor } from '../wait-for.js';
import { produceKeyed, quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** Per-key order holds while many keys run concurrently (O1). */
export function orderingTests(ctx: () => ConformanceContext): void {
  it('keeps per-key order with 32 handlers in flight', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('ordering');
    await driver.admin().ensureTopics([{ name: topic, partitions: 4 }]);
    const produced = (await Promise.all([0, 1, 2, 3].map(() => produceKeyed(driver, topic, 500, 50)))).flat();
    const invariant = new OrderingInvariant(produced);
    const consumer = createConsumer({
      driver,
      groupId: uniqueGroup('ordering'),
      topics: [topic],
      concurrency: { mode: 'key', maxInFlight: 32 },
      logger: quietLogger,
      ...options.consumerOverrides,
    });
    let concurrent = 0;
    let peak = 0;
    consumer.handle(topic, 'tick', async (event) => {
      peak = Math.max(peak, ++concurrent);
      await randomDelay(2);
      concurrent--;
      invariant.observe(event);
    });
    await consumer.start();
    try {
      await waitFor(() => invariant.complete(), { timeoutMs, describe: () => `${invariant.missing().length} missing` });
    } finally {
      await consumer.stop();
    }
    expect(invariant.violations).toEqual([]);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(32);
  });
}
