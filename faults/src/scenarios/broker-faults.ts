import { KAFKA_ERRORS } from '@ordo/kafka-mock';
import { textKeys } from '../runner/produce.js';
import type { Scenario } from '../runner/scenario.js';

const { NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, COORDINATOR_NOT_AVAILABLE, REBALANCE_IN_PROGRESS, NOT_COORDINATOR } =
  KAFKA_ERRORS;

/**
 * Retriable broker errors injected on produce, fetch, commit and heartbeat requests,
 * and a broker taken down and brought back, while two consumers dead-letter poison
 * events into a SqlParkingLot on MariaDB.
 */
export const brokerFaults: Scenario = {
  name: 'broker-faults',
  description: 'produce/fetch/commit/heartbeat errors and a broker down and up; consumers park keys on MariaDB',
  bounded: true,
  partitions: 6,
  parkingLot: 'mysql',
  deadlineMs: 90_000,
  async run(ctx) {
    await Promise.all([ctx.startConsumer(1).ready, ctx.startConsumer(2).ready]);
    const publishing = ctx.producer.publish({
      topic: ctx.topic,
      count: 1_500 * ctx.scale.events,
      keys: textKeys(50),
      poisonRate: 0.003,
      chunk: 50,
      pauseMs: 80,
    });
    const { cluster, random } = ctx;
    for (let round = 0; round < ctx.scale.faults; round++) {
      await ctx.sleep(random.int(1_000, 2_000));
      ctx.step('produce errors');
      cluster.failRequests('Produce', [NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER]);
      await ctx.sleep(random.int(300, 800));
      ctx.step('fetch errors');
      cluster.failRequests('Fetch', Array(random.int(3, 8)).fill(NOT_LEADER_OR_FOLLOWER));
      await ctx.sleep(random.int(300, 800));
      ctx.step('commit errors');
      cluster.failRequests('OffsetCommit', [COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, REBALANCE_IN_PROGRESS]);
      await ctx.sleep(random.int(300, 800));
      ctx.step('heartbeat errors');
      cluster.failRequests('Heartbeat', [REBALANCE_IN_PROGRESS, REBALANCE_IN_PROGRESS]);
      await ctx.sleep(random.int(500, 1_000));
      const broker = random.pick(cluster.brokerIds);
      ctx.step(`broker ${broker} down`);
      cluster.setBrokerDown(broker);
      await ctx.sleep(random.int(1_000, 2_500));
      cluster.setBrokerUp(broker);
      ctx.step(`broker ${broker} up`);
    }
    await publishing;
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
