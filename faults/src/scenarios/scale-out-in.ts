import { textKeys } from '../runner/produce.js';
import type { Scenario } from '../runner/scenario.js';

/**
 * Consumers joining and leaving gracefully (SIGTERM) while events flow: cooperative
 * rebalances move partitions with work in flight. Duplicates are allowed only for what
 * was not committed at a rebalance (O6); order and no loss hold across owners.
 */
export const scaleOutIn: Scenario = {
  name: 'scale-out-in',
  description: 'a third and second consumer join, then one leaves gracefully, while events flow (rebalances)',
  bounded: true,
  partitions: 6,
  parkingLot: 'postgres',
  handlerMs: [1, 4],
  deadlineMs: 90_000,
  async run(ctx) {
    ctx.startConsumer(1);
    const publishing = ctx.producer.publish({
      topic: ctx.topic,
      count: 1_500 * ctx.scale.events,
      keys: textKeys(60),
      poisonRate: 0.002,
      chunk: 50,
      pauseMs: 250,
    });
    for (let i = 0; i < ctx.scale.faults; i++) {
      await ctx.sleep(ctx.random.int(500, 1_500));
      ctx.step('consumer 2 joins');
      ctx.startConsumer(2);
      await ctx.sleep(ctx.random.int(500, 1_500));
      ctx.step('consumer 3 joins');
      ctx.startConsumer(3);
      await ctx.sleep(ctx.random.int(2_000, 4_000));
      const leaving = ctx.random.int(1, 3);
      ctx.step(`consumer ${leaving} leaves`);
      await ctx.consumer(leaving)?.stop();
      ctx.startConsumer(leaving);
    }
    await publishing;
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
