import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { DecodeError, HandlerError, UnknownEventTypeError, type OrdoError } from '../errors.js';
import { silentLogger, type Logger } from '../internal/logger.js';
import { produceKeyed } from '../testing/conformance/harness.js';
import { waitFor } from '../testing/wait-for.js';
import { createConsumer } from './consumer.js';
import type { ConsumerEvents } from './consumer-events.js';

const fastRetry = { attempts: 3, backoff: { initialMs: 1, maxMs: 5 } };

describe('consumer engine: retries and failures', () => {
  it('retries a failing handler with backoff and then succeeds', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await produceKeyed(kafka, 'users', 1, 1);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      retry: fastRetry,
      logger: silentLogger,
    });
    const attempts: number[] = [];
    const retrying: ConsumerEvents['retrying'][] = [];
    consumer.on('retrying', (e) => retrying.push(e));
    consumer.handle('users', 'tick', (_event, ctx) => {
      attempts.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error('database busy');
    });
    const handled = new Promise<ConsumerEvents['handled']>((resolve) => consumer.on('handled', resolve));
    await consumer.start();
    const done = await handled;
    await consumer.stop();
    expect(attempts).toEqual([1, 2, 3]);
    expect(done.attempts).toBe(3);
    expect(retrying.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retrying.every((r) => r.delayMs >= 0.5 && r.delayMs <= 5)).toBe(true);
    expect(kafka.committed('g', { topic: 'users', partition: 0 })).toBe(1);
  });

  it('O3: a key that always fails stops only its own lane; every other key finishes', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    const produced = await produceKeyed(kafka, 'users', 1000, 50);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      retry: fastRetry,
      logger: silentLogger,
    });
    const failed: ConsumerEvents['failed'][] = [];
    consumer.on('failed', (e) => failed.push(e));
    const handledByKey = new Map<string, number>();
    const poisonAttempts: number[] = [];
    consumer.handle<{ seq: number }>('users', 'tick', (event, ctx) => {
      if (event.key === 'key-7') {
        poisonAttempts.push(ctx.attempt);
        throw new Error('poison');
      }
      handledByKey.set(event.key!, (handledByKey.get(event.key!) ?? 0) + 1);
    });
    await consumer.start();
    await waitFor(() => [...handledByKey.values()].reduce((a, b) => a + b, 0) === 1000 - 20 && failed.length === 1);
    await consumer.stop();

    expect(handledByKey.size).toBe(49);
    expect([...handledByKey.values()].every((n) => n === 20)).toBe(true);
    // The poison key: its first event tried 3 times, the rest never overtook it (O1).
    expect(poisonAttempts).toEqual([1, 2, 3]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.record).toMatchObject({ key: 'key-7', offset: produced[7]!.offset });
    expect(failed[0]!.error).toBeInstanceOf(HandlerError);
    expect((failed[0]!.error.cause as Error).message).toBe('poison');
    // O2: nothing at or after the failed offset is committed.
    expect(kafka.committed('g', { topic: 'users', partition: 0 })).toBe(produced[7]!.offset);
  });

  it('does not retry an error that says it is not retriable', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await produceKeyed(kafka, 'users', 1, 1);
    class Declined extends Error {}
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      retry: { ...fastRetry, nonRetriable: [Declined] },
      logger: silentLogger,
    });
    let calls = 0;
    consumer.handle('users', 'tick', () => {
      calls++;
      throw new Declined('card declined');
    });
    const failed = new Promise<ConsumerEvents['failed']>((resolve) => consumer.on('failed', resolve));
    await consumer.start();
    expect((await failed).attempts).toBe(1);
    await consumer.stop();
    expect(calls).toBe(1);
  });
});

describe('consumer engine: bad input loses nothing', () => {
  async function sendRaw(kafka: InMemoryKafka, records: Array<{ key: string; type?: string; value: string }>) {
    const producer = kafka.createProducer();
    await producer.connect();
    await producer.send(
      records.map((r) => ({
        topic: 'users',
        key: Buffer.from(r.key),
        value: Buffer.from(r.value),
        headers: r.type ? { 'ordo-type': r.type } : ({} as Record<string, string>),
      })),
    );
  }

  it('fails a record that is not valid JSON with a DecodeError; its offset stays uncommitted', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await sendRaw(kafka, [
      { key: 'a', type: 'tick', value: '{"ok":1}' },
      { key: 'b', type: 'tick', value: '{not json' },
      { key: 'a', type: 'tick', value: '{"ok":2}' },
      { key: 'b', type: 'tick', value: '{"ok":3}' },
    ]);
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    const errors: OrdoError[] = [];
    consumer.on('failed', (e) => errors.push(e.error));
    const values: unknown[] = [];
    consumer.handle('users', 'tick', (event) => void values.push(event.value));
    await consumer.start();
    await waitFor(() => values.length === 2 && errors.length === 1);
    await consumer.stop();
    expect(errors[0]).toBeInstanceOf(DecodeError);
    expect(errors[0]!.message).toContain('not valid JSON');
    // Key b's later event waits behind its broken one (O1); key a went on (O3).
    expect(values).toEqual([{ ok: 1 }, { ok: 2 }]);
    expect(kafka.committed('g', { topic: 'users', partition: 0 })).toBe(1);
  });

  it('fails an event type with no handler by default, naming the known types', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await sendRaw(kafka, [{ key: 'a', type: 'user-renamed', value: '{}' }]);
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    consumer.handle('users', 'user-created', () => undefined);
    const failed = new Promise<ConsumerEvents['failed']>((resolve) => consumer.on('failed', resolve));
    await consumer.start();
    const { error, attempts } = await failed;
    await consumer.stop();
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(error.message).toContain('user-created');
    expect(attempts).toBe(1);
    expect(kafka.committed('g', { topic: 'users', partition: 0 })).toBeUndefined();
  });

  it("skips an unknown type with a warning under onUnknownType: 'skip', and commits past it", async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await sendRaw(kafka, [
      { key: 'a', type: 'user-renamed', value: '{}' },
      { key: 'a', value: '{}' },
      { key: 'a', type: 'user-created', value: '{}' },
    ]);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => void warnings.push(m) };
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], onUnknownType: 'skip', logger });
    const skipped: ConsumerEvents['skipped'][] = [];
    consumer.on('skipped', (e) => skipped.push(e));
    let created = 0;
    consumer.handle('users', 'user-created', () => void created++);
    await consumer.start();
    await waitFor(() => kafka.committed('g', { topic: 'users', partition: 0 }) === 3);
    await consumer.stop();
    expect(created).toBe(1);
    expect(skipped.map((s) => s.record.offset)).toEqual([0, 1]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('user-renamed');
  });
});
