import { produceRaw, type RawEvent } from '../runner/raw-producer.js';
import { textKeys } from '../runner/produce.js';
import type { Scenario } from '../runner/scenario.js';

const hexOf = (text: string) => Buffer.from(text).toString('hex');

/**
 * Poison records whose dead letter node-rdkafka cannot write as they are: one with a
 * header value that is not UTF-8, one of 1.5 MB. Each must still be set aside durably
 * (the header encoded; the big value in the failed-message store, its dead letter in the
 * key's place without it) and its partition committed past it, the others flowing
 * (issue 13, item 7). The checker counts a valueless dead letter only when the store
 * holds its value.
 */
export const unwritableDeadLetters: Scenario = {
  name: 'unwritable-dead-letters',
  description: 'a failing record with a non-UTF-8 header and a failing 1.5 MB record must still be dead-lettered',
  bounded: true,
  partitions: 3,
  parkingLot: 'postgres',
  // The 1.5 MB record's value goes to the failed-message store; its dead letter keeps its place.
  failedMessages: true,
  deadlineMs: 40_000,
  async run(ctx) {
    ctx.startConsumer(1);
    const keys = textKeys(20);
    await ctx.producer.publish({ topic: ctx.topic, count: 200 * ctx.scale.events, keys });
    let n = 100_000;
    const event = (key: string, poison: boolean, extra: Partial<RawEvent> = {}): RawEvent => ({
      key: Buffer.from(key),
      value: { k: hexOf(key), n: n++, poison, ...(extra.value ?? {}) },
      headers: extra.headers,
    });
    ctx.step('producing the unwritable poison records');
    await produceRaw({
      brokers: ctx.cluster.bootstrapServers,
      topic: ctx.topic,
      log: ctx.log,
      events: [
        event('binary-header', true, { headers: { 'x-trace-bytes': Buffer.from([0xff, 0xfe, 0x00, 0x80]) } }),
        event('binary-header', false),
        event('big-record', true, {
          value: { k: hexOf('big-record'), n: n++, poison: true, padding: 'x'.repeat(1_500_000) },
        }),
        event('big-record', false),
      ],
    });
    await ctx.producer.publish({ topic: ctx.topic, count: 200 * ctx.scale.events, keys });
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
