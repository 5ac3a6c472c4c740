import { KAFKA_ERRORS } from '@ordo/kafka-mock';
import { textKeys } from '../runner/produce.js';
import type { Scenario } from '../runner/scenario.js';

/**
 * One OUT_OF_ORDER_SEQUENCE_NUMBER (Kafka error 45) on a produce request: a fatal
 * error for librdkafka's idempotent producer. The application's producer (publishing
 * with retries, as an application would) and the consumers' dead-letter producers
 * must recover without losing or reordering what was in flight (issue 13, item 1).
 */
export const fatalProducer: Scenario = {
  name: 'fatal-producer',
  description: 'error 45 on Produce while publishing and while dead-lettering: producers must renew themselves',
  bounded: true,
  partitions: 4,
  parkingLot: 'postgres',
  deadlineMs: 45_000,
  async run(ctx) {
    ctx.startConsumer(1);
    const keys = textKeys(30);
    const events = 600 * ctx.scale.events;
    await ctx.producer.publish({ topic: ctx.topic, count: events / 2, keys, poisonRate: 0.005, chunk: 50 });
    ctx.step('error 45 on the next produce request (the application producer)');
    ctx.cluster.failRequests('Produce', [KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER]);
    await ctx.producer.publish({ topic: ctx.topic, count: events / 2, keys, poisonRate: 0.005, chunk: 50 });
    await ctx.drained();
    // The application producer is idle from here: the next produce request is the
    // consumer's dead-letter write of one of these poison events.
    await ctx.producer.publish({ topic: ctx.topic, count: 20, keys: keys.slice(0, 4), poison: (_, n) => n % 5 === 0 });
    ctx.step('error 45 on the next produce request (a dead-letter write)');
    ctx.cluster.failRequests('Produce', [KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER]);
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
