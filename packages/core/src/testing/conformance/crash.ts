import { expect, it } from 'vitest';
import { createConsumer } from '../../consumer/consumer.js';
import { OrderingInvariant } from '../invariants.js';
import { spyDriver } from '../spy-driver.js';
import { randomDelay, waitFor } from '../wait-for.js';
import { produceKeyed, quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** A member that dies mid-flight loses nothing: the next one resumes from commits (O2). */
export function crashTests(ctx: () => ConformanceContext): void {
  it('handles every event at least once across a member crash, in key order', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('crash');
    const groupId = uniqueGroup('crash');
    await driver.admin().ensureTopics([{ name: topic, partitions: 4 }]);
    const produced = await produceKeyed(driver, topic, 1000, 40);
    const invariant = new OrderingInvariant(produced);
    const spied = spyDriver(driver);
    const makeConsumer = () => {
      const c = createConsumer({
        driver: spied.driver,
        groupId,
        topics: [topic],
        concurrency: { maxInFlight: 16 },
        logger: quietLogger,
        commitIntervalMs: options.consumerOverrides?.commitIntervalMs ?? 20,
      });
      c.handle(topic, 'tick', async (event) => {
        await randomDelay(2);
        if (!crashed || c !== first) invariant.observe(event);
      });
      return c;
    };
    let crashed = false;
    let commits = 0;
    const first = makeConsumer();
    first.on('committed', () => void commits++);
    await first.start();
    await waitFor(() => invariant.handledCount >= 300 && commits > 0, { timeoutMs });
    crashed = true;
    await options.crash(driver, spied.consumers[0]!);
    const committedAtCrash = await driver.admin().committedOffsets(groupId, topic);

    const second = makeConsumer();
    await second.start();
    try {
      await waitFor(() => invariant.complete(), { timeoutMs, describe: () => `${invariant.missing().length} missing` });
    } finally {
      await second.stop();
      await first.stop().catch(() => undefined);
    }
    expect(invariant.violations).toEqual([]);
    // Something was committed before the crash, so the second member did not start over.
    expect(committedAtCrash.some((c) => c.offset > 0)).toBe(true);
  });
}
