import { textKeys } from '../runner/produce.js';
import { PG_URL } from '../runner/databases.js';
import type { Scenario } from '../runner/scenario.js';
import { startCuttableProxy, targetOf, throughProxy } from '@ordo/core/testing';

/**
 * The parking lot's PostgreSQL lost (its TCP proxy cut: connections dropped, new ones
 * refused) while poison events are being dead-lettered, and back a few seconds later.
 * Consumers must retry, report, and lose nothing (issue 13, item 5).
 */
export const parkingDbLost: Scenario = {
  name: 'parking-db-lost',
  description: 'SqlParkingLot on PostgreSQL through a proxy cut for 3 s and restored, while poison events park keys',
  bounded: true,
  partitions: 4,
  parkingLot: 'postgres',
  handlerMs: [0, 3],
  deadlineMs: 45_000,
  async run(ctx) {
    const proxy = await startCuttableProxy(targetOf(PG_URL, 5432));
    try {
      const base = ctx.parkingLotConfig;
      const parkingLot = base.kind === 'memory' ? base : { ...base, url: throughProxy(base.url, proxy) };
      ctx.startConsumer(1, { parkingLot });
      ctx.startConsumer(2, { parkingLot });
      const publishing = ctx.producer.publish({
        topic: ctx.topic,
        count: 1_000 * ctx.scale.events,
        keys: textKeys(40),
        poisonRate: 0.02,
        chunk: 20,
        pauseMs: 60,
      });
      for (let i = 0; i < ctx.scale.faults; i++) {
        // Cut while keys are being parked: after the next dead letter.
        await ctx.deadLettered(1 + i * 5);
        await ctx.sleep(ctx.random.int(0, 200));
        ctx.step('database cut');
        await proxy.cut();
        await ctx.sleep(3_000);
        await proxy.restore();
        ctx.step('database back');
      }
      await publishing;
      ctx.step('waiting for the drain');
      await ctx.drained();
    } finally {
      await proxy.close();
    }
  },
};
