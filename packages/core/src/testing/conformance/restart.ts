import { expect, it } from 'vitest';
import { createConsumer } from '../../consumer/consumer.js';
import type { ConsumedEvent } from '../../message/message.js';
import { waitFor } from '../wait-for.js';
import { produceKeyed, quietLogger, uniqueGroup, uniqueTopic, type ConformanceContext } from './harness.js';

/** A restarted group resumes at its committed offsets: nothing skipped, nothing redone. */
export function restartTests(ctx: () => ConformanceContext): void {
  it('resumes at the committed offset after a graceful restart', async () => {
    const { driver, timeoutMs, options } = ctx();
    const topic = uniqueTopic('restart');
    const groupId = uniqueGroup('restart');
    await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const first = await produceKeyed(driver, topic, 100, 10);

    const run = async (expected: number): Promise<ConsumedEvent[]> => {
      const seen: ConsumedEvent[] = [];
      const consumer = createConsumer({
        driver,
        groupId,
        topics: [topic],
        logger: quietLogger,
        ...options.consumerOverrides,
      });
      consumer.handle(topic, 'tick', (event) => void seen.push(event));
      await consumer.start();
      try {
        await waitFor(() => seen.length >= expected, { timeoutMs });
      } finally {
        await consumer.stop();
      }
      return seen;
    };

    const firstRun = await run(first.length);
    expect(firstRun).toHaveLength(first.length);
    const committed = await driver.admin().committedOffsets(groupId, topic);
    for (const c of committed) {
      const high = (await driver.admin().watermarks(topic, c.partition)).high;
      expect(c.offset, `partition ${c.partition}`).toBe(high);
    }

    const second = await produceKeyed(driver, topic, 50, 10);
    const secondRun = await run(second.length);
    const ids = (refs: { partition: number; offset: number }[]) => refs.map((r) => `${r.partition}@${r.offset}`).sort();
    expect(ids(secondRun)).toEqual(ids(second));
  });
}
