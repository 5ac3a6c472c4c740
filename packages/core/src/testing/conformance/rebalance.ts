import { expect, it } from 'vitest';
import { createConsumer, type Consumer } from '../../consumer/consumer.js';
import { OrderingInvariant } from '../invariants.js';
import { randomDelay, waitFor } from '../wait-for.js';
import { produceKeyed, quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** Partitions move between members as they join and leave, with no loss (O2) and in key order (O1). */
export function rebalanceTests(ctx: () => ConformanceContext): void {
  it('moves partitions to a joining member and back from a leaving one without loss', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('rebalance');
    const groupId = uniqueGroup('rebalance');
    await driver.admin().ensureTopics([{ name: topic, partitions: 6 }]);
    const invariant = new OrderingInvariant();
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
    const where = () =>
      `a owns ${a.assignment().length}, b owns ${b.assignment().length}, ${invariant.missing().length} missing`;
    const wait = (condition: () => boolean) => waitFor(condition, { timeoutMs, describe: where });
    // Events flow in three waves: before b joins, while both run, after a leaves.
    invariant.add(await produceKeyed(driver, topic, 600, 60));
    await a.start();
    await wait(() => invariant.handledCount >= 200);
    await b.start();
    await wait(() => a.assignment().length > 0 && b.assignment().length > 0);
    expect(a.assignment().length + b.assignment().length).toBe(6);
    invariant.add(await produceKeyed(driver, topic, 600, 60));
    await wait(() => (handledBy.get(b) ?? 0) > 0 && invariant.complete());
    await a.stop();
    await wait(() => b.assignment().length === 6);
    invariant.add(await produceKeyed(driver, topic, 600, 60));
    try {
      await wait(() => invariant.complete());
    } finally {
      await b.stop();
    }
    expect(invariant.violations).toEqual([]);
    expect(handledBy.get(a)).toBeGreaterThan(0);
  });
}
