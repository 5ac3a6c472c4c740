import { expect, it } from 'vitest';
import { createConsumer, type Consumer } from '../../consumer/consumer.js';
import { OrderingInvariant, type ProducedRef } from '../invariants.js';
import { randomDelay, waitFor } from '../wait-for.js';
import { produceKeyed, quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** Partitions move between members as they join and leave, with no loss (O2) and in key order (O1). */
export function rebalanceTests(ctx: () => ConformanceContext): void {
  it('moves partitions to a joining member and back from a leaving one without loss', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('rebalance');
    const groupId = uniqueGroup('rebalance');
    await driver.admin().ensureTopics([{ name: topic, partitions: 6 }]);
    const produced: ProducedRef[] = await produceKeyed(driver, topic, 1500, 60);
    const invariant = new OrderingInvariant(produced);
    const handledBy = new Map<Consumer, number>();
    const makeConsumer = (): Consumer => {
      const c = createConsumer({ driver, groupId, topics: [topic], logger: quietLogger, ...options.consumerOverrides });
      c.handle(topic, 'tick', async (event) => {
        await randomDelay(3);
        invariant.observe(event);
        handledBy.set(c, (handledBy.get(c) ?? 0) + 1);
      });
      return c;
    };
    const a = makeConsumer();
    const b = makeConsumer();
    await a.start();
    await waitFor(() => invariant.handledCount >= 200, { timeoutMs });
    await b.start();
    await waitFor(() => a.assignment().length > 0 && b.assignment().length > 0, { timeoutMs });
    expect(a.assignment().length + b.assignment().length).toBe(6);
    await waitFor(() => (handledBy.get(b) ?? 0) > 0, { timeoutMs });
    await a.stop();
    await waitFor(() => b.assignment().length === 6, { timeoutMs });
    try {
      await waitFor(() => invariant.complete(), { timeoutMs, describe: () => `${invariant.missing().length} missing` });
    } finally {
      await b.stop();
    }
    expect(invariant.violations).toEqual([]);
  });
}
