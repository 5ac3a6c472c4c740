import { textKeys } from '../runner/produce.js';
import type { Sabotage } from '../runner/child-config.js';
import type { Scenario } from '../runner/scenario.js';

/**
 * A consumer variant that breaks one guarantee on purpose (its driver hands the engine
 * one batch wrongly): the checker must report exactly that. Not in the soak set.
 */
export function sabotaged(sabotage: Sabotage): Scenario {
  return {
    name: `sabotaged-${sabotage}`,
    description: `a consumer whose driver breaks a guarantee on purpose: ${sabotage}`,
    bounded: false,
    partitions: 2,
    deadLetters: sabotage === 'unwritten-dead-letters',
    sabotage,
    deadlineMs: 30_000,
    async run(ctx) {
      ctx.startConsumer(1);
      await ctx.producer.publish({
        topic: ctx.topic,
        count: 300,
        keys: textKeys(3),
        poison: (_, n) => sabotage === 'unwritten-dead-letters' && n === 100,
      });
      await ctx.drained();
    },
  };
}
