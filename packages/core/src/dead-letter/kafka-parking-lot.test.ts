import { afterAll, describe, expect, it } from 'vitest';
import { createConsumer } from '../consumer/consumer.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { silentLogger } from '../internal/logger.js';
import { createProducer } from '../producer/producer.js';
import { spyDriver } from '../testing/spy-driver.js';
import { waitFor } from '../testing/wait-for.js';
import type { KafkaDriver } from '../driver/types.js';
import { InvalidConfigError } from '../errors.js';
import { deadLetterScenarios } from '../testing/dead-letter-scenarios.js';
import { KafkaParkingLot } from './kafka-parking-lot.js';
import { parkingLotContract } from './parking-lot-contract.test-support.js';

const U = Buffer.from('U');
const K = Buffer.from('K');
const opened: KafkaParkingLot[] = [];
afterAll(async () => {
  await Promise.all(opened.map((lot) => lot.close()));
});

function lotOn(driver: KafkaDriver, topic = `parking-${Math.random().toString(36).slice(2, 8)}`): KafkaParkingLot {
  const lot = new KafkaParkingLot({ driver, topic, partitions: 3 });
  opened.push(lot);
  return lot;
}

describe('KafkaParkingLot', () => {
  parkingLotContract(async () => lotOn(new InMemoryKafka()), { keepsUnendedWrites: false });

  it('is seen by another process once it has read the topic: parks, handled, discarded', async () => {
    const kafka = new InMemoryKafka();
    const owner = lotOn(kafka, 'parking-shared');
    const other = lotOn(kafka, 'parking-shared');
    await owner.beginPark('users', 2, U);
    await owner.endPark('users', U, 7);
    expect(await other.check('users', U)).toBe(true);
    expect((await other.list('users'))[0]).toMatchObject({ key: 'U', partition: 2, lastDeadLetterOffset: 7 });
    expect(await other.handled('users', U, 7)).toBe(true);
    expect(await owner.check('users', U)).toBe(false);
    // Parked again later, then discarded by an operator.
    await owner.beginPark('users', 2, U);
    await owner.endPark('users', U, 9);
    expect(await other.check('users', U)).toBe(true);
    expect(await other.discarded('users', U, 9)).toBe(true);
    expect(await owner.check('users', U)).toBe(false);
  });

  it('never loses a park to a stale concurrent write: registers only grow', async () => {
    const kafka = new InMemoryKafka();
    const owner = lotOn(kafka, 'parking-race');
    const consumer = lotOn(kafka, 'parking-race');
    await owner.beginPark('users', 0, K);
    await owner.endPark('users', K, 1);
    // The dead-letter consumer handles 1 while the owner parks a newer dead letter (2).
    await owner.beginPark('users', 0, K);
    await Promise.all([consumer.handled('users', K, 1), owner.endPark('users', K, 2)]);
    // Whatever order the two writes landed in, the newer park holds.
    expect(await consumer.check('users', K)).toBe(true);
    expect(await owner.check('users', K)).toBe(true);
    expect(await consumer.handled('users', K, 2)).toBe(true);
  });

  it("costs a parked key's followers no metadata or watermark query: one produce each, on kept clients", async () => {
    const spied = spyDriver(new InMemoryKafka({ topics: [{ name: 'users', partitions: 2 }] }));
    const parkingLot = lotOn(spied.driver);
    const consumer = createConsumer({
      driver: spied.driver,
      groupId: 'app',
      topics: ['users'],
      retry: { attempts: 1 },
      deadLetter: { enabled: true, parkingLot },
      logger: silentLogger,
    });
    consumer.handle('users', '*', () => {
      throw new Error('poison');
    });
    const reasons: string[] = [];
    consumer.on('dead-lettered', (d) => reasons.push(d.reason));
    await consumer.start();
    const producer = createProducer({ driver: spied.driver });
    await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { n: 0 } });
    await waitFor(() => reasons.length === 1);
    const before = spied.adminCalls.length;
    for (let n = 1; n <= 20; n++) await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { n } });
    await waitFor(() => reasons.length === 21);
    expect(reasons.slice(1)).toEqual(Array.from({ length: 20 }, () => 'parked'));
    // Before: one describeTopics and one watermarks query per parking partition, per follower.
    expect(spied.adminCalls.slice(before)).toEqual([]);
    await consumer.stop();
    await producer.disconnect();
  });

  it('rejects a nonsense partition count', () => {
    expect(() => new KafkaParkingLot({ driver: new InMemoryKafka(), partitions: 0 })).toThrow(InvalidConfigError);
  });
});

describe('dead-letter scenarios with KafkaParkingLot', () => {
  const kafka = new InMemoryKafka({ partitions: 4 });
  deadLetterScenarios(
    () => kafka,
    30_000,
    () => {
      const topic = `parking-${Math.random().toString(36).slice(2, 8)}`;
      return async () => lotOn(kafka, topic);
    },
  );
});
