import { describe, expect, it } from 'vitest';
import { readTopic } from '../driver/read-topic.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { InvalidConfigError, ReplayRefusedError } from '../errors.js';
import { createProducer } from '../producer/producer.js';
import { waitFor } from '../testing/wait-for.js';
import { createDeadLetterAdmin, REPLAY_OF_HEADER } from './dead-letter-admin.js';
import { MemoryParkingLot } from './parking-lot.js';
import { parkingConsumer } from './parking-consumer.test-support.js';

async function parkedScenario() {
  const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 3 }] });
  const parkingLot = new MemoryParkingLot();
  const producer = createProducer({ driver: kafka });
  let broken = true;
  const handled: string[] = [];
  const consumer = parkingConsumer(kafka, parkingLot);
  consumer.handle<{ v: number }>('users', '*', (event) => {
    if (broken && event.key === 'U') throw new Error(`cannot apply v${event.value.v}`);
    handled.push(`${event.key}:${event.value.v}`);
  });
  let deadLettered = 0;
  consumer.on('dead-lettered', () => void deadLettered++);
  await consumer.start();
  for (const v of [1, 2, 3]) await producer.publish({ topic: 'users', key: 'U', type: 'user-updated', value: { v } });
  await waitFor(() => deadLettered === 3);
  const admin = createDeadLetterAdmin({ driver: kafka, parkingLot });
  return {
    kafka,
    parkingLot,
    producer,
    consumer,
    admin,
    handled,
    fix: () => (broken = false),
    deadLettered: () => deadLettered,
  };
}

describe('dead-letter operator API', () => {
  it('lists parked keys and dead letters with their reason, error and origin', async () => {
    const { admin, consumer } = await parkedScenario();
    expect((await admin.parkedKeys()).map((p) => p.key)).toEqual(['U']);
    const list = await admin.list({ topic: 'users', key: 'U' });
    expect(list.map((e) => e.reason)).toEqual(['handler-error', 'parked', 'parked']);
    expect(list[0]).toMatchObject({
      key: 'U',
      type: 'user-updated',
      errorClass: 'Error',
      errorMessage: 'cannot apply v1',
      attempts: 1,
      origin: { topic: 'users', partition: list[0]!.partition, offset: 0 },
    });
    expect(list[0]!.firstFailureAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    const shown = await admin.show({ topic: 'users', partition: list[1]!.partition, offset: list[1]!.offset });
    expect(shown?.decoded).toEqual({ v: 2 });
    await consumer.stop();
  });

  it('refuses to replay a parked key to its source, discards it with an audit record, then replays', async () => {
    const { admin, consumer, kafka, handled, fix } = await parkedScenario();
    await expect(admin.replayToSource({ topic: 'users', key: 'U', operator: 'alice' })).rejects.toThrow(
      ReplayRefusedError,
    );

    expect(await admin.discard({ topic: 'users', key: 'U', operator: 'alice', reason: 'fixed by hand' })).toBe(3);
    expect(await admin.parkedKeys()).toEqual([]);
    const audit = (await readTopic(kafka, 'ordo.audit')).map((r) => JSON.parse(r.value!.toString()));
    expect(audit).toEqual([
      expect.objectContaining({ action: 'discard', key: 'U', operator: 'alice', reason: 'fixed by hand' }),
    ]);

    // A discarded key's dead letters are skipped by the dead-letter consumer...
    const deadLetters = consumer.deadLetterConsumer({ retry: { attempts: 1 } });
    const skipped: string[] = [];
    deadLetters.on('skipped', (s) => skipped.push(s.reason));
    await deadLetters.start();
    await waitFor(() => skipped.length === 3);
    expect(skipped).toEqual([
      'already handled or discarded',
      'already handled or discarded',
      'already handled or discarded',
    ]);
    await deadLetters.stop();

    // ...and can be replayed to the source once the handler is fixed, keeping ids.
    fix();
    const reports = await admin.replayToSource({ topic: 'users', key: 'U', operator: 'alice' });
    expect(reports).toHaveLength(3);
    await waitFor(() => handled.length === 3);
    expect(handled).toEqual(['U:1', 'U:2', 'U:3']);
    const replayed = kafka.records('users', reports[0]!.partition).slice(-3);
    expect(replayed.map((r) => String(r.headers[REPLAY_OF_HEADER]))).toEqual(
      (await admin.list({ topic: 'users', key: 'U' })).map((e) => `${e.topic}/${e.partition}@${e.offset}`),
    );
    await consumer.stop();
  });

  it('refuses a replay of a replay unless forced', async () => {
    const { admin, consumer, deadLettered } = await parkedScenario();
    await admin.discard({ topic: 'users', key: 'U', operator: 'bob' });
    await admin.replayToSource({ topic: 'users', key: 'U', operator: 'bob' }); // still broken: fails again
    await waitFor(() => deadLettered() === 6);
    await admin.discard({ topic: 'users', key: 'U', operator: 'bob' });
    await expect(admin.replayToSource({ topic: 'users', key: 'U', operator: 'bob' })).rejects.toThrow(
      /already a replay/,
    );
    await expect(
      admin.replayToSource({ topic: 'users', key: 'U', operator: 'bob', force: true }),
    ).resolves.toHaveLength(6);
    await consumer.stop();
  });

  it('replays to a handler in order and resolves the key', async () => {
    const { admin, consumer } = await parkedScenario();
    const seen: unknown[] = [];
    const count = await admin.replayToHandler({
      topic: 'users',
      key: 'U',
      operator: 'carol',
      handler: (event) => void seen.push(event.value),
    });
    expect(count).toBe(3);
    expect(seen).toEqual([{ v: 1 }, { v: 2 }, { v: 3 }]);
    expect(await admin.parkedKeys()).toEqual([]);
    await consumer.stop();
  });
  it('shows binary keys in hex form, and takes that form back to list and discard exactly that key', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    const parkingLot = new MemoryParkingLot();
    const guilty = Buffer.from([0xff, 0x01]);
    const innocent = Buffer.from([0xfe, 0x01]); // the same UTF-8 text as guilty
    const consumer = parkingConsumer(kafka, parkingLot);
    const handled: string[] = [];
    consumer.handle('users', '*', (event) => {
      if (event.keyBytes!.equals(guilty)) throw new Error('poison');
      handled.push(event.keyBytes!.toString('hex'));
    });
    let deadLettered = 0;
    consumer.on('dead-lettered', () => void deadLettered++);
    await consumer.start();
    const raw = kafka.createProducer();
    await raw.connect();
    for (const key of [guilty, innocent, guilty]) {
      await raw.send([{ topic: 'users', key, value: Buffer.from('{}'), headers: { 'ordo-type': 'e' } }]);
    }
    await waitFor(() => deadLettered === 2 && handled.length === 1);
    const admin = createDeadLetterAdmin({ driver: kafka, parkingLot });
    expect((await admin.parkedKeys()).map((p) => p.key)).toEqual(['hex:ff01']);
    const list = await admin.list({ topic: 'users', key: 'hex:ff01' });
    expect(list.map((e) => [e.key, e.keyBytes?.toString('hex')])).toEqual([
      ['hex:ff01', 'ff01'],
      ['hex:ff01', 'ff01'],
    ]);
    expect(await admin.list({ topic: 'users', key: 'hex:fe01' })).toEqual([]);
    expect(await admin.list({ topic: 'users', key: innocent })).toEqual([]);
    await expect(admin.list({ topic: 'users', key: 'hex:f' })).rejects.toThrow(InvalidConfigError);
    expect(await admin.discard({ topic: 'users', key: 'hex:ff01', operator: 'alice' })).toBe(2);
    expect(await admin.parkedKeys()).toEqual([]);
    expect(handled).toEqual(['fe01']);
    await consumer.stop();
  });
});
