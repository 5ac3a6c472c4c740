import { expect, it } from 'vitest';
import { createConsumer, type Consumer } from '../consumer/consumer.js';
import type { KeyRepairRequest, ParkingLot } from '../dead-letter/parking-lot.js';
import type { KafkaDriver, TopicPartition } from '../driver/types.js';
import { silentLogger } from '../internal/logger.js';
import type { ConsumedEvent } from '../message/message.js';
import { createProducer } from '../producer/producer.js';
import { uniqueGroup, uniqueTopic } from './conformance/harness.js';
import { waitFor } from './wait-for.js';

/**
 * The main consumer's parking lot, with each `endPark` held back until the dead-letter
 * consumer has reached that dead letter (handled or skipped it): the interleaving where
 * a dead letter is read before its park is recorded, made certain instead of likely.
 */
class EndParkAfterDeadLetterRead implements ParkingLot {
  /** Dead-letter offsets the dead-letter consumer has reached. */
  readonly reached = new Set<number>();
  /** Dead-letter offsets whose `endPark` waited for that, and did not time out. */
  readonly heldBack: number[] = [];

  constructor(
    private readonly inner: ParkingLot,
    private readonly waitMs: number,
  ) {}

  load(partitions: readonly TopicPartition[]) {
    return this.inner.load(partitions);
  }
  isParked(topic: string, key: Buffer) {
    return this.inner.isParked(topic, key);
  }
  check(topic: string, key: Buffer) {
    return this.inner.check(topic, key);
  }
  settled(topic: string, key: Buffer, deadLetterOffset: number) {
    return this.inner.settled(topic, key, deadLetterOffset);
  }
  beginPark(topic: string, partition: number, key: Buffer) {
    return this.inner.beginPark(topic, partition, key);
  }
  async endPark(topic: string, key: Buffer, deadLetterOffset: number) {
    // Bounded, so that a store whose dead letters cannot be read early does not hang the test.
    await waitFor(() => this.reached.has(deadLetterOffset), { timeoutMs: this.waitMs }).then(
      () => this.heldBack.push(deadLetterOffset),
      () => undefined,
    );
    return this.inner.endPark(topic, key, deadLetterOffset);
  }
  handled(topic: string, key: Buffer, deadLetterOffset: number) {
    return this.inner.handled(topic, key, deadLetterOffset);
  }
  discarded(topic: string, key: Buffer, deadLetterOffset: number) {
    return this.inner.discarded(topic, key, deadLetterOffset);
  }
  list(topic?: string) {
    return this.inner.list(topic);
  }
  repair(topic: string, key: Buffer, request: KeyRepairRequest) {
    return this.inner.repair(topic, key, request);
  }
}

/**
 * The race between a dead-letter write and the dead-letter consumer, forced: each dead
 * letter is read (by a dead-letter consumer with another process's view of the store)
 * before its writer's `endPark` records it. Every dead letter must still be handled,
 * in the key's order, and none skipped (O1, O2). @internal part of {@link deadLetterScenarios}
 */
export function deadLetterReadBeforeRecorded(
  makeDriver: () => KafkaDriver,
  timeoutMs: number,
  parkingLots: () => () => Promise<ParkingLot>,
): void {
  it(
    'handles a dead letter read before its park is recorded, in order, and never skips it (O1, O2)',
    async () => {
      const kafka = makeDriver();
      const topic = uniqueTopic('park-race');
      const groupId = uniqueGroup('park-race');
      // The dead-letter topic too: its consumer starts first, and must be assigned it.
      await kafka.admin().ensureTopics([
        { name: topic, partitions: 1 },
        { name: `${topic}.dead-letter`, partitions: 1 },
      ]);
      const view = parkingLots();
      const lots = { main: await view(), deadLetters: await view() };
      const gated = new EndParkAfterDeadLetterRead(lots.main, timeoutMs / 2);
      const seen: string[] = [];
      const consumerWith = (parkingLot: ParkingLot): Consumer =>
        createConsumer({
          driver: kafka,
          groupId,
          topics: [topic],
          retry: { attempts: 1 },
          deadLetter: { enabled: true, parkingLot },
          logger: silentLogger,
        });
      const main = consumerWith(gated);
      main.handle(topic, '*', (event: ConsumedEvent) => {
        if (event.type === 'created') throw new Error('poison');
        seen.push(`main:${event.type}`);
      });
      // The dead-letter consumer of another process: its own view of the store.
      const other = consumerWith(lots.deadLetters);
      const deadLetters = other.deadLetterConsumer({
        overrides: {
          [topic]: {
            handler: (event) => {
              gated.reached.add(event.offset);
              seen.push(`dead-letter:${event.type}`);
            },
          },
        },
        retry: { attempts: 1 },
      });
      const skipped: number[] = [];
      deadLetters.on('skipped', ({ record }) => {
        skipped.push(record.offset);
        gated.reached.add(record.offset);
      });
      let assigned = false;
      deadLetters.on('rebalanced', (r) => (assigned ||= r.assigned.length > 0));
      await deadLetters.start();
      await waitFor(() => assigned, { timeoutMs });
      await main.start();
      const producer = createProducer({ driver: kafka });
      // A poison event parks U; its followers go to dead letters while it is parked.
      const types = ['created', 'updated', 'renamed', 'deleted'];
      for (const type of types) await producer.publish({ topic, key: 'U', type, value: {} });
      await waitFor(() => seen.length === types.length || skipped.length > 0, {
        timeoutMs,
        describe: () => `seen ${seen}`,
      });
      await waitFor(() => !lots.main.isParked(topic, Buffer.from('U')), { timeoutMs, describe: () => `seen ${seen}` });

      expect(gated.heldBack[0]).toBe(0); // the first dead letter was read before its park was recorded
      expect(skipped).toEqual([]);
      // Every event handled once, in the key's order, wherever it was handled.
      expect(seen.map((s) => s.split(':')[1])).toEqual(types);
      expect(seen[0]).toBe('dead-letter:created');
      expect(await lots.deadLetters.check(topic, Buffer.from('U'))).toBe(false);
      await Promise.all([deadLetters.stop(), main.stop()]);
      await producer.disconnect();
    },
    timeoutMs * 4,
  );
}
