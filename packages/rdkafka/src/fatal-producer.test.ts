import { createConsumer, createProducer, readTopic, silentLogger, type PublishResult } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { KAFKA_ERRORS } from '@ordo/kafka-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 1 });
});
afterAll(() => cluster.close());

const unique = (label: string) => `${label}-${Math.random().toString(36).slice(2, 10)}`;
const fatal = () => cluster.failRequests('Produce', [KAFKA_ERRORS.OUT_OF_ORDER_SEQUENCE_NUMBER]);

describe('a fatal idempotent-producer error (OUT_OF_ORDER_SEQUENCE_NUMBER)', () => {
  it('is recovered: the same producer publishes again, in key order, on a fresh client', async () => {
    const driver = mockDriver(cluster);
    const topic = unique('fatal');
    await driver.admin().ensureTopics([{ name: topic, partitions: 2 }]);
    const producer = createProducer({ driver, retry: { attempts: 5, backoff: { initialMs: 10, maxMs: 50 } } });
    const publish = (key: string, n: number) => producer.publish({ topic, key, type: 'step', value: { n } });
    await publish('a', 0);

    fatal();
    // Several in flight when the client dies: each is resent, none is lost. (Their
    // order against each other is not asserted here: the mock's injected error refuses
    // one request yet may accept the next, a gap a real broker would refuse as well.)
    const inFlight = await Promise.all([1, 2, 3, 4, 5].map((n) => publish(`in-flight-${n}`, n)));
    const after: PublishResult[] = [];
    for (let n = 6; n < 9; n++) after.push(await publish('a', n));

    expect(inFlight.every((r) => r.offset >= 0)).toBe(true);
    const stored = await readTopic(driver, topic);
    const byKey = (key: string) =>
      stored
        .filter((r) => r.key?.toString() === key)
        .sort((x, y) => x.offset - y.offset)
        .map((r) => (JSON.parse(r.value!.toString()) as { n: number }).n);
    for (let n = 1; n <= 5; n++) expect(byKey(`in-flight-${n}`)[0]).toBe(n);
    // Publishes after the fatal error go out on the fresh client, in order, once.
    expect(byKey('a')).toEqual([0, 6, 7, 8]);
    await producer.disconnect();
  }, 60_000);

  it('does not wedge the dead-letter router: the dead letter is written and the offset committed', async () => {
    const driver = mockDriver(cluster);
    const topic = unique('fatal-dl');
    await driver.admin().ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = createProducer({ driver });
    await producer.publish({ topic, key: 'poison', type: 'step', value: { n: 1 } });
    await producer.disconnect();

    const groupId = unique('fatal-dl-group');
    const consumer = createConsumer({
      driver,
      groupId,
      topics: [topic],
      retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 5 } },
      deadLetter: { enabled: true },
      logger: silentLogger,
    });
    let failures = 0;
    consumer.handle(topic, 'step', () => {
      // The dead letter is the next produce request the cluster sees: it gets the error.
      if (++failures === 2) fatal();
      throw new Error('poison');
    });
    const deadLettered: number[] = [];
    consumer.on('dead-lettered', (e) => deadLettered.push(e.deadLetterOffset));
    await consumer.start();
    try {
      await waitFor(() => deadLettered.length === 1, { timeoutMs: 30_000 });
      const committed = async () => (await driver.admin().committedOffsets(groupId, topic))[0]?.offset;
      for (let i = 0; i < 100 && (await committed()) !== 1; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await committed()).toBe(1);
      const letters = await readTopic(driver, `${topic}.dead-letter`);
      expect(letters.map((r) => r.key?.toString())).toEqual(['poison']);
    } finally {
      await consumer.stop();
    }
  }, 60_000);
});
