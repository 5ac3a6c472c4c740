import { textKeys } from '../runner/produce.js';
import type { Scenario } from '../runner/scenario.js';

/**
 * Consumers killed by SIGKILL mid-stream and restarted, with poison events dead-lettered
 * and their keys parked in PostgreSQL (a parking lot every incarnation shares).
 */
export const crashRestart: Scenario = {
  name: 'crash-restart',
  description:
    'two consumers, SIGKILLs and restarts while 0.3% poison events are dead-lettered (SqlParkingLot on PostgreSQL)',
  bounded: true,
  partitions: 6,
  parkingLot: 'postgres',
  deadlineMs: 90_000,
  async run(ctx) {
    const events = 1_500 * ctx.scale.events;
    await Promise.all([ctx.startConsumer(1).ready, ctx.startConsumer(2).ready]);
    // Events arrive over a few seconds, so that the kills land while work is in flight.
    const publishing = ctx.producer.publish({
      topic: ctx.topic,
      count: events,
      keys: textKeys(40),
      poisonRate: 0.003,
      chunk: 50,
      pauseMs: 100,
    });
    for (let i = 0; i < 2 * ctx.scale.faults; i++) {
      await ctx.sleep(ctx.random.int(1_500, 3_500));
      const victim = ctx.random.int(1, 2);
      ctx.step(`kill consumer ${victim}`);
      await ctx.consumer(victim)?.kill();
      await ctx.sleep(ctx.random.int(0, 500));
      ctx.startConsumer(victim);
    }
    await publishing;
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
