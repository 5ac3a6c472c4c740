import { expect, it } from 'vitest';
import { createConsumer, type Consumer } from '../consumer/consumer.js';
import type { KeyRepairRequest, ParkingLot } from '../dead-letter/parking-lot.js';
import type { KafkaDriver, TopicPartition } from '../driver/types.js';
import { silentLogger } from '../internal/logger.js';
import type { ConsumedEvent } from '../message/message.js';
import { createProducer } from '../producer/producer.js';
import { uniqueGroup, uniqueTopic } from './conformance/harness.js';
import { waitFor } from './wait-for.js';

/** Which step of the main consumer's parking is held back, and until when. */
type Hold =
  /** Each `endPark` until the dead-letter consumer has reached that dead letter. */
  | 'endPark'
  /** A `check` that answered "parked" until the dead-letter consumer resolved the key. */
  | 'check';

/**
 * The main consumer's parking lot, with one step held back until the dead-letter
 * consumer has gone past it: an interleaving made certain instead of likely.
 */
class HeldParkingLot implements ParkingLot {
  /** Dead-letter offsets the dead-letter consumer has reached (handled or skipped). */
  readonly reached = new Set<number>();
  /** What was held back (dead-letter offsets, or -1 for a check) and not timed out. */
  readonly heldBack: number[] = [];
  /** Whether a `check` answered "parked". */
  checkedParked = false;

  constructor(
    private readonly inner: ParkingLot,
    private readonly hold: Hold,
    private readonly waitMs: number,
    /** Another process's view of the store, asked whether the key is resolved. */
    private readonly other: ParkingLot,
  ) {}

  load(partitions: readonly TopicPartition[]) {
    return this.inner.load(partitions);
  }
  isParked(topic: string, key: Buffer) {
    return this.inner.isParked(topic, key);
  }
  async check(topic: string, key: Buffer) {
    const parked = await this.inner.check(topic, key);
    if (parked && this.hold === 'check') {
      this.checkedParked = true;
      for (const until = Date.now() + this.waitMs; Date.now() < until;) {
        if (!(await this.other.check(topic, key))) {
          this.heldBack.push(-1);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    return parked;
  }
  settled(topic: string, key: Buffer, deadLetterOffset: number) {
    return this.inner.settled(topic, key, deadLetterOffset);
  }
  beginPark(topic: string, partition: number, key: Buffer) {
    return this.inner.beginPark(topic, partition, key);
  }
  async endPark(topic: string, key: Buffer, deadLetterOffset: number) {
    if (this.hold !== 'endPark') return this.inner.endPark(topic, key, deadLetterOffset);
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
 * The races between the main consumer's parking and the dead-letter consumer, forced
 * (the dead-letter consumer has another process's view of the store): each dead letter
 * read before its writer's `endPark` records it; a parked key resolved between the main
 * consumer's `check` and its `beginPark`. Every event must still be handled once, in
 * the key's order, and no dead letter skipped (O1, O2). @internal part of {@link deadLetterScenarios}
 */
export function deadLetterParkingRaces(
  makeDriver: () => KafkaDriver,
  timeoutMs: number,
  parkingLots: () => () => Promise<ParkingLot>,
): void {
  race('handles a dead letter read before its park is recorded, in order, and never skips it (O1, O2)', 'endPark');
  race('keeps order and loses nothing when a parked key resolves between check and beginPark (O1, O2)', 'check');

  function race(name: string, hold: Hold): void {
    it(
      name,
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
        const gated = new HeldParkingLot(lots.main, hold, timeoutMs / 2, lots.deadLetters);
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
              handler: async (event) => {
                // The key's follower is checked as parked before this dead letter resolves the key.
                if (hold === 'check')
                  await waitFor(() => gated.checkedParked, { timeoutMs: timeoutMs / 2 }).catch(() => {});
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
        // Resolved in the store (the main view's memory learns it only at the key's next event).
        for (const until = Date.now() + timeoutMs; await lots.deadLetters.check(topic, Buffer.from('U'));) {
          if (Date.now() > until) throw new Error(`U is still parked; seen ${seen}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }

        // The interleaving happened: the first dead letter was read before its park was
        // recorded, or the key resolved between a check and the next beginPark.
        expect(gated.heldBack[0]).toBe(hold === 'endPark' ? 0 : -1);
        expect(skipped).toEqual([]);
        // Every event handled once, in the key's order, wherever it was handled.
        expect(seen.map((s) => s.split(':')[1])).toEqual(types);
        expect(seen[0]).toBe('dead-letter:created');
        expect(await lots.main.check(topic, Buffer.from('U'))).toBe(false);
        await Promise.all([deadLetters.stop(), main.stop()]);
        await producer.disconnect();
      },
      timeoutMs * 4,
    );
  }
}
