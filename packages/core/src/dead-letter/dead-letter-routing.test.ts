import { describe, expect, it } from 'vitest';
import { createConsumer } from '../consumer/consumer.js';
import type { ConsumerEvents } from '../consumer/consumer-events.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { silentLogger } from '../internal/logger.js';
import { createProducer } from '../producer/producer.js';
import { waitFor } from '../testing/wait-for.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-headers.js';

async function setup(partitions = 6) {
  const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions }] });
  const producer = createProducer({ driver: kafka });
  const consumer = createConsumer({
    driver: kafka,
    groupId: 'app',
    topics: ['users'],
    retry: { attempts: 2, backoff: { initialMs: 1, maxMs: 1 } },
    deadLetter: { enabled: true },
    logger: silentLogger,
  });
  const deadLettered: ConsumerEvents['dead-lettered'][] = [];
  consumer.on('dead-lettered', (e) => deadLettered.push(e));
  return { kafka, producer, consumer, deadLettered };
}

describe('dead-letter routing', () => {
  it('writes the same partition, key, value and headers plus reason, error, attempts and origin', async () => {
    const { kafka, producer, consumer, deadLettered } = await setup();
    consumer.handle('users', 'user-created', () => {
      throw new TypeError('email is undefined');
    });
    await consumer.start();
    const sent = await producer.publish({
      topic: 'users',
      key: 'u-7',
      type: 'user-created',
      value: { id: 'u-7' },
      headers: { traceparent: '00-t-01' },
    });
    await waitFor(() => deadLettered.length === 1);
    await consumer.stop();
    expect((await kafka.admin().describeTopics(['users.dead-letter']))[0]!.partitions).toBe(6);
    const [dl] = kafka.records('users.dead-letter', sent.partition);
    expect(dl!.key?.toString()).toBe('u-7');
    expect(JSON.parse(dl!.value!.toString())).toEqual({ id: 'u-7' });
    const h = Object.fromEntries(Object.entries(dl!.headers).map(([k, v]) => [k, String(v)]));
    expect(h).toMatchObject({
      'ordo-id': sent.id,
      'ordo-type': 'user-created',
      traceparent: '00-t-01',
      [DEAD_LETTER_HEADERS.reason]: 'handler-error',
      [DEAD_LETTER_HEADERS.errorClass]: 'TypeError',
      [DEAD_LETTER_HEADERS.errorCode]: 'ORDO_HANDLER_FAILED',
      [DEAD_LETTER_HEADERS.errorMessage]: 'email is undefined',
      [DEAD_LETTER_HEADERS.attempts]: '2',
      [DEAD_LETTER_HEADERS.originTopic]: 'users',
      [DEAD_LETTER_HEADERS.originPartition]: String(sent.partition),
      [DEAD_LETTER_HEADERS.originOffset]: String(sent.offset),
      [DEAD_LETTER_HEADERS.group]: 'app',
    });
    expect(h[DEAD_LETTER_HEADERS.errorStack]).toContain('TypeError: email is undefined');
    expect(Date.parse(h[DEAD_LETTER_HEADERS.firstFailure]!)).toBeLessThanOrEqual(Date.now());
  });

  it('records why: undecodable, unknown type', async () => {
    const { kafka, consumer, deadLettered } = await setup(1);
    consumer.handle('users', 'user-created', (event) => void event.value);
    await consumer.start();
    const raw = kafka.createProducer();
    await raw.connect();
    await raw.send([
      { topic: 'users', key: Buffer.from('a'), value: Buffer.from('{nope'), headers: { 'ordo-type': 'user-created' } },
      { topic: 'users', key: Buffer.from('b'), value: Buffer.from('{}'), headers: { 'ordo-type': 'user-renamed' } },
    ]);
    await waitFor(() => deadLettered.length === 2);
    await consumer.stop();
    expect(deadLettered.map((d) => [d.record.key, d.reason])).toEqual([
      ['a', 'undecodable'],
      ['b', 'unknown-type'],
    ]);
  });

  it('retries a failed dead-letter write and commits the source offset only after it (O2)', async () => {
    const { kafka, producer, consumer, deadLettered } = await setup(1);
    consumer.handle('users', 'user-created', () => {
      throw new Error('poison');
    });
    await producer.publish({ topic: 'users', key: 'k', type: 'user-created', value: {} });
    kafka.faults.failNextSends(3);
    await consumer.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(deadLettered).toHaveLength(0);
    expect(kafka.committed('app', { topic: 'users', partition: 0 })).toBeUndefined();
    await waitFor(() => deadLettered.length === 1, { timeoutMs: 5_000 });
    await consumer.stop();
    expect(kafka.records('users.dead-letter', 0)).toHaveLength(1);
    expect(kafka.committed('app', { topic: 'users', partition: 0 })).toBe(1);
  });
});

describe('dead-letter topics', () => {
  it('gets as many partitions as a source topic created after the consumer started', async () => {
    // No source topic at start: the dead-letter topic must still fit partition 7.
    const kafka = new InMemoryKafka({ partitions: 2 });
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'late',
      topics: ['late'],
      retry: { attempts: 1 },
      deadLetter: { enabled: true },
      logger: silentLogger,
    });
    consumer.handle('late', 'e', () => {
      throw new Error('poison');
    });
    const deadLettered: ConsumerEvents['dead-lettered'][] = [];
    consumer.on('dead-lettered', (e) => deadLettered.push(e));
    await consumer.start();
    await kafka.admin().ensureTopics([{ name: 'late', partitions: 8 }]);
    const producer = createProducer({ driver: kafka });
    await producer.publish({ topic: 'late', key: 'k', type: 'e', value: {} });
    const raw = kafka.createProducer();
    await raw.connect();
    await raw.send([
      { topic: 'late', key: Buffer.from('p7'), value: Buffer.from('{}'), partition: 7, headers: { 'ordo-type': 'e' } },
    ]);
    await waitFor(() => deadLettered.length === 2, { timeoutMs: 5_000 });
    await consumer.stop();
    expect((await kafka.admin().describeTopics(['late.dead-letter']))[0]!.partitions).toBe(8);
    expect(deadLettered.map((d) => d.record.partition)).toContain(7);
  });
});
