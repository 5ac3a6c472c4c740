import { produceRaw } from '../runner/raw-producer.js';
import type { Scenario } from '../runner/scenario.js';

/**
 * Binary keys that decode to the same UTF-8 text (ff01 and fe01 both become U+FFFD
 * then 0x01): a poison event parks ff01, and fe01 must flow (issue 13, item 8). Other
 * binary keys, and records with binary header values, keep their order too.
 */
export const binaryKeys: Scenario = {
  name: 'binary-keys',
  description: 'keys ff01 and fe01 collide as UTF-8: parking ff01 must not park fe01; binary headers pass through',
  bounded: true,
  partitions: 4,
  parkingLot: 'postgres',
  deadlineMs: 40_000,
  async run(ctx) {
    ctx.startConsumer(1);
    const keys = ['ff01', 'fe01', 'ff02', '80', 'c0af', 'ffff', '00ff', 'e282'];
    let poisoned = false;
    await ctx.producer.publish({
      topic: ctx.topic,
      count: 400 * ctx.scale.events,
      keys,
      chunk: 50,
      // ff01's first event fails for good: ff01 is parked from there on, nothing else.
      poison: (key) => key === 'ff01' && !poisoned && (poisoned = true),
    });
    ctx.step('records with binary header values');
    await produceRaw({
      brokers: ctx.cluster.bootstrapServers,
      topic: ctx.topic,
      log: ctx.log,
      events: Array.from({ length: 20 }, (_, i) => ({
        key: Buffer.from([0xfd, i % 4]),
        value: { k: Buffer.from([0xfd, i % 4]).toString('hex'), n: 50_000 + i, poison: false },
        headers: { 'x-bytes': Buffer.from([0xc3, 0x28, i]) },
      })),
    });
    ctx.step('waiting for the drain');
    await ctx.drained();
  },
};
