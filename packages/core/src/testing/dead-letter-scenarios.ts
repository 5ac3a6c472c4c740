import { expect, it } from 'vitest';
import { createConsumer } from '../consumer/consumer.js';
import type { ConsumerEvents } from '../consumer/consumer-events.js';
import { DEAD_LETTER_HEADERS } from '../dead-letter/dead-letter-headers.js';
import { MemoryParkingLot, type ParkingLot } from '../dead-letter/parking-lot.js';
import type { KafkaDriver } from '../driver/types.js';
import { silentLogger } from '../internal/logger.js';
import { HEADERS } from '../message/headers.js';
import type { ConsumedEvent } from '../message/message.js';
import { createProducer } from '../producer/producer.js';
import { uniqueGroup, uniqueTopic } from './conformance/harness.js';
import { deadLetterParkingRaces } from './dead-letter-race-scenario.js';
import { OrderingInvariant, type ProducedRef } from './invariants.js';
import { waitFor } from './wait-for.js';

/** Where a handled event came from: dead letters carry their origin in headers. */
function origin(event: ConsumedEvent): ProducedRef {
  const topic = event.headers[DEAD_LETTER_HEADERS.originTopic];
  if (topic === undefined) return event;
  return {
    topic,
    partition: Number(event.headers[DEAD_LETTER_HEADERS.originPartition]),
    offset: Number(event.headers[DEAD_LETTER_HEADERS.originOffset]),
    key: event.key,
  };
}

const fastRetry = { attempts: 2, backoff: { initialMs: 1, maxMs: 5 } };

function sharedMemoryLot(): () => Promise<ParkingLot> {
  const lot = new MemoryParkingLot();
  return async () => lot;
}

/**
 * The dead-letter scenarios of DESIGN.md O1-O4, runnable on any driver: a poison event
 * parks its key while others flow, an override drains and resolves it; the breaker
 * stops dead-lettering when everything fails and recovers in order.
 */
export function deadLetterScenarios(
  makeDriver: () => KafkaDriver,
  timeoutMs = 30_000,
  /** Each call is one process's view of the same store. @default one shared MemoryParkingLot */
  parkingLots: () => () => Promise<ParkingLot> = sharedMemoryLot,
): void {
  deadLetterParkingRaces(makeDriver, timeoutMs, parkingLots);
  it(
    'parks a poison key, lets 1,000 other users through, and resolves it through an override',
    async () => {
      const driver = makeDriver();
      const topic = uniqueTopic('users');
      const groupId = uniqueGroup('dl');
      await driver.admin().ensureTopics([{ name: topic, partitions: 4 }]);
      const producer = createProducer({ driver });
      const publish = (key: string, type: string, value: unknown) => producer.publish({ topic, key, type, value });
      const produced: ProducedRef[] = [];
      const record = async (key: string, type: string, value: unknown) =>
        produced.push({ ...(await publish(key, type, value)), key });

      await record('U', 'user-created', { v: 1 });
      for (let i = 0; i < 1000; i++) await record(`user-${i}`, 'user-created', { v: 1 });
      await record('U', 'user-updated', { v: 2 });
      await record('U', 'user-deleted', { v: 3 });

      const invariant = new OrderingInvariant(produced);
      const parkingLot = new MemoryParkingLot();
      const consumer = createConsumer({
        driver,
        groupId,
        topics: [topic],
        retry: fastRetry,
        deadLetter: { enabled: true, parkingLot },
        logger: silentLogger,
      });
      const mainSawU: string[] = [];
      const handler = (event: ConsumedEvent) => {
        if (event.key === 'U') {
          mainSawU.push(event.type);
          if (event.type === 'user-created') throw new Error('email column missing');
        }
        invariant.observe(origin(event));
      };
      for (const type of ['user-created', 'user-updated', 'user-deleted']) consumer.handle(topic, type, handler);
      const deadLettered: ConsumerEvents['dead-lettered'][] = [];
      consumer.on('dead-lettered', (e) => deadLettered.push(e));
      await consumer.start();
      await waitFor(() => invariant.handledCount >= 1000 && deadLettered.length === 3, { timeoutMs });

      expect(deadLettered.map((d) => d.record.key)).toEqual(['U', 'U', 'U']);
      expect(deadLettered.map((d) => d.reason)).toEqual(['handler-error', 'parked', 'parked']);
      const offsets = deadLettered.map((d) => d.deadLetterOffset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(mainSawU).toEqual(['user-created', 'user-created']); // two tries, then parked
      expect((await parkingLot.list()).map((p) => p.key)).toEqual(['U']);

      // The fix, appended: an override handler for the topic's dead letters.
      const drained: string[] = [];
      const deadLetters = consumer.deadLetterConsumer({
        overrides: {
          [topic]: {
            handler: (event) => {
              drained.push(event.type);
              invariant.observe(origin(event));
            },
          },
        },
      });
      const resolved: string[] = [];
      deadLetters.on('resolved', (r) => resolved.push(r.key));
      await deadLetters.start();
      await waitFor(() => resolved.includes('U'), { timeoutMs });
      expect(drained).toEqual(['user-created', 'user-updated', 'user-deleted']);
      expect(await parkingLot.list()).toEqual([]);

      // U is resolved: its next event takes the normal path.
      await record('U', 'user-updated', { v: 4 });
      invariant.add(produced.slice(-1));
      await waitFor(() => invariant.complete(), { timeoutMs, describe: () => `${invariant.missing().length} missing` });
      expect(mainSawU.at(-1)).toBe('user-updated');
      await deadLetters.stop();
      await consumer.stop();
      await producer.disconnect();

      expect(invariant.violations).toEqual([]);
      // O2: every offset of the source topic is committed (handled or durably dead-lettered).
      for (const c of await driver.admin().committedOffsets(groupId, topic)) {
        expect(c.offset).toBe((await driver.admin().watermarks(topic, c.partition)).high);
      }
    },
    timeoutMs * 4,
  );

  it(
    'opens the breaker when everything fails, blocks instead of dead-lettering, then recovers in order',
    async () => {
      const driver = makeDriver();
      const topic = uniqueTopic('orders');
      await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
      const producer = createProducer({ driver });
      const produced: ProducedRef[] = [];
      for (let i = 0; i < 60; i++) {
        const key = `order-${i % 12}`;
        produced.push({ ...(await producer.publish({ topic, key, type: 'order-placed', value: { i } })), key });
      }
      await producer.disconnect();
      const invariant = new OrderingInvariant(produced);
      let databaseUp = false;
      const consumer = createConsumer({
        driver,
        groupId: uniqueGroup('breaker'),
        topics: [topic],
        retry: fastRetry,
        deadLetter: { enabled: true, breaker: { maxDeadLettersPerMinute: 5, initialOpenMs: 50, maxOpenMs: 200 } },
        logger: silentLogger,
      });
      const handler = (event: ConsumedEvent) => {
        if (!databaseUp) throw new Error('database is down');
        invariant.observe(origin(event));
      };
      consumer.handle(topic, 'order-placed', handler);
      const breaker: string[] = [];
      let deadLettered = 0;
      consumer.on('breaker-open', () => breaker.push('open'));
      consumer.on('breaker-closed', () => breaker.push('closed'));
      consumer.on('dead-lettered', (e) => void (e.reason === 'handler-error' && deadLettered++));
      await consumer.start();
      await waitFor(() => breaker.includes('open'), { timeoutMs });
      // The writes decided before the breaker opened complete (their first one may wait
      // for a producer connection); then nothing more is dead-lettered.
      await waitFor(() => deadLettered >= 5, { timeoutMs });
      await new Promise((r) => setTimeout(r, 300));
      // Dead-lettering stopped at the threshold: the failures after it block in place.
      expect(deadLettered).toBe(5);
      expect(invariant.handledCount).toBe(0);

      databaseUp = true;
      const deadLetters = consumer.deadLetterConsumer({ retry: fastRetry });
      await deadLetters.start();
      await waitFor(() => breaker.includes('closed') && invariant.complete(), {
        timeoutMs,
        describe: () => `${invariant.missing().length} missing, breaker ${breaker.join(',')}`,
      });
      await deadLetters.stop();
      await consumer.stop();
      expect(invariant.violations).toEqual([]);
      expect(breaker).toEqual(['open', 'closed']);
    },
    timeoutMs * 4,
  );

  it(
    'never parks an innocent binary key whose bytes decode to the same text as a parked one',
    async () => {
      const driver = makeDriver();
      const topic = uniqueTopic('binary');
      await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
      const guilty = Buffer.from([0xff, 0x01]);
      const innocent = Buffer.from([0xfe, 0x01]); // both are "\ufffd\u0001" as UTF-8 text
      const raw = driver.createProducer();
      await raw.connect();
      const send = async (key: Buffer, v: number) => {
        const [report] = await raw.send([
          { topic, key, value: Buffer.from(JSON.stringify({ v })), headers: { [HEADERS.type]: 'e' } },
        ]);
        return report!.offset;
      };
      const parkingLot = await parkingLots()();
      const consumer = createConsumer({
        driver,
        groupId: uniqueGroup('binary'),
        topics: [topic],
        retry: fastRetry,
        deadLetter: { enabled: true, parkingLot },
        logger: silentLogger,
      });
      const innocentHandled: number[] = [];
      consumer.handle<{ v: number }>(topic, 'e', (event) => {
        if (event.keyBytes?.equals(guilty)) throw new Error('poison');
        innocentHandled.push(event.value.v);
      });
      const deadLettered: number[] = [];
      consumer.on('dead-lettered', (d) => deadLettered.push(d.record.offset));
      await consumer.start();
      const guiltyOffsets = [await send(guilty, 1)];
      await waitFor(() => deadLettered.length === 1, { timeoutMs });
      await send(innocent, 1);
      guiltyOffsets.push(await send(guilty, 2));
      await send(innocent, 2);
      await waitFor(() => innocentHandled.length === 2 && deadLettered.length === 2, {
        timeoutMs,
        describe: () =>
          `innocent handled ${innocentHandled.join(',')}; dead-lettered offsets ${deadLettered.join(',')}`,
      });
      expect(innocentHandled).toEqual([1, 2]);
      expect(deadLettered).toEqual(guiltyOffsets);
      const parked = await parkingLot.list(topic);
      expect(parked.map((p) => p.key)).toEqual(['hex:ff01']);
      await consumer.stop();
      await raw.disconnect();
    },
    timeoutMs * 4,
  );

  it(
    'keeps a key parked across a restart and when its partition moves to another member',
    async () => {
      const driver = makeDriver();
      const topic = uniqueTopic('moves');
      const groupId = uniqueGroup('moves');
      await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
      const key = 'U';
      const lots = parkingLots();
      const producer = createProducer({ driver });
      const member = async (name: string) => {
        const consumer = createConsumer({
          driver,
          groupId,
          topics: [topic],
          retry: fastRetry,
          deadLetter: { enabled: true, parkingLot: await lots() },
          logger: silentLogger,
        });
        const log = { handled: [] as string[], parked: [] as string[] };
        consumer.handle<{ v: number }>(topic, 'e', (event) => {
          if (event.key === key && event.value.v === 1) throw new Error('poison');
          log.handled.push(`${name}:${event.key}:${event.value.v}`);
        });
        consumer.on('dead-lettered', (d) => log.parked.push(`${name}:${d.record.key}:${d.reason}`));
        await consumer.start();
        return { consumer, log };
      };
      const a = await member('a');
      await producer.publish({ topic, key, type: 'e', value: { v: 1 } });
      await waitFor(() => a.log.parked.length === 1, { timeoutMs });
      // Restart: a new process, a new store object; the key is still parked.
      await a.consumer.stop();
      const a2 = await member('a2');
      await producer.publish({ topic, key, type: 'e', value: { v: 2 } });
      await waitFor(() => a2.log.parked.length === 1, { timeoutMs });
      expect(a2.log.parked).toEqual([`a2:${key}:parked`]);
      // Rebalance: b joins, a2 leaves; the key's partition moves to b, whose own store
      // object must load the parked key on assignment.
      const b = await member('b');
      await waitFor(() => b.consumer.assignment().length > 0, { timeoutMs });
      await a2.consumer.stop();
      await waitFor(() => b.consumer.assignment().length === 2, { timeoutMs });
      await producer.publish({ topic, key, type: 'e', value: { v: 3 } });
      await waitFor(() => b.log.parked.length === 1, { timeoutMs });
      expect(b.log.parked).toEqual([`b:${key}:parked`]);
      expect([...a2.log.handled, ...b.log.handled].filter((h) => h.includes(`:${key}:`))).toEqual([]);
      await b.consumer.stop();
      await producer.disconnect();
    },
    timeoutMs * 4,
  );
}
