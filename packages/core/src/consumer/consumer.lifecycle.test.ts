import { describe, expect, it } from 'vitest';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import {
  ContractViolationError,
  DuplicateHandlerError,
  InvalidConfigError,
  InvalidStateError,
  type OrdoError,
} from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import { produceKeyed } from '../testing/conformance/harness.js';
import { waitFor } from '../testing/wait-for.js';
import { createConsumer } from './consumer.js';
import type { ConsumerEvents } from './consumer-events.js';

describe('consumer engine: backpressure', () => {
  it('pauses a partition when its buffer is full and resumes when it drains', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await produceKeyed(kafka, 'users', 5000, 1);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      maxBufferedPerPartition: 100,
      logger: silentLogger,
    });
    const pressure: ConsumerEvents['backpressure'][] = [];
    consumer.on('backpressure', (e) => pressure.push(e));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let handled = 0;
    consumer.handle('users', 'tick', async () => {
      if (handled === 0) await held;
      handled++;
    });
    await consumer.start();
    await new Promise((r) => setTimeout(r, 20));
    // One key, its first event held: the engine holds at most one batch past the limit.
    expect(pressure[0]).toMatchObject({ paused: true });
    expect(pressure[0]!.buffered).toBeGreaterThanOrEqual(100);
    expect(pressure[0]!.buffered).toBeLessThanOrEqual(100 + 500);
    release();
    await waitFor(() => handled === 5000);
    await consumer.stop();
    expect(pressure.filter((p) => !p.paused).length).toBeGreaterThan(0);
    expect(Math.max(...pressure.map((p) => p.buffered))).toBeLessThanOrEqual(600);
  });
});

describe('consumer engine: lifecycle', () => {
  it('stops gracefully: waits for in-flight handlers, commits, leaves the group', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 2 }] });
    const produced = await produceKeyed(kafka, 'users', 50, 5);
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    const states: string[] = [];
    consumer.on('state', (s) => states.push(s.to));
    let finished = 0;
    consumer.handle('users', 'tick', async () => {
      await new Promise((r) => setTimeout(r, 5));
      finished++;
    });
    await consumer.start();
    await waitFor(() => finished >= 10);
    await consumer.stop();
    const committed = [0, 1].map((p) => kafka.committed('g', { topic: 'users', partition: p }) ?? 0);
    // Every event finished before stop returned is committed; nothing beyond.
    expect(committed.reduce((a, b) => a + b, 0)).toBe(finished);
    expect(finished).toBeLessThan(produced.length);
    expect(states).toEqual(['starting', 'running', 'stopping', 'stopped']);
    expect(kafka.assignments('g').size).toBe(0);
  });

  it('abandons handlers that outlive shutdownTimeoutMs, aborting their signal', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await produceKeyed(kafka, 'users', 1, 1);
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      shutdownTimeoutMs: 30,
      logger: silentLogger,
    });
    let signal: AbortSignal | undefined;
    consumer.handle('users', 'tick', (_e, ctx) => {
      signal = ctx.signal;
      return new Promise(() => undefined);
    });
    await consumer.start();
    await waitFor(() => signal !== undefined);
    await consumer.stop();
    expect(signal!.aborted).toBe(true);
    expect(kafka.committed('g', { topic: 'users', partition: 0 })).toBeUndefined();
  });

  it('can be started again after a stop and resumes where it committed', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    await produceKeyed(kafka, 'users', 10, 2);
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    const offsets: number[] = [];
    consumer.handle('users', 'tick', (e) => void offsets.push(e.offset));
    await consumer.start();
    await waitFor(() => offsets.length === 10);
    await consumer.stop();
    await produceKeyed(kafka, 'users', 5, 2);
    await consumer.start();
    await waitFor(() => offsets.length === 15);
    await consumer.stop();
    expect(offsets.slice(10)).toEqual([10, 11, 12, 13, 14]);
  });

  it('refuses handlers after start, duplicates and topics it does not consume', async () => {
    const kafka = new InMemoryKafka();
    const consumer = createConsumer({ driver: kafka, groupId: 'g', topics: ['users'], logger: silentLogger });
    consumer.handle('users', 'a', () => undefined);
    expect(() => consumer.handle('users', 'a', () => undefined)).toThrow(DuplicateHandlerError);
    expect(() => consumer.handle('orders', 'a', () => undefined)).toThrow(InvalidConfigError);
    await consumer.start();
    expect(() => consumer.handle('users', 'b', () => undefined)).toThrow(InvalidStateError);
    await expect(consumer.start()).rejects.toThrow(InvalidStateError);
    await consumer.stop();
  });

  it.each([
    [{ groupId: '' }, 'groupId'],
    [{ topics: [] }, 'topics'],
    [{ concurrency: { maxInFlight: 0 } }, 'concurrency.maxInFlight'],
    [{ concurrency: { mode: 'random' } }, 'concurrency.mode'],
    [{ maxBufferedPerPartition: -5 }, 'maxBufferedPerPartition'],
    [{ commitIntervalMs: Number.NaN }, 'commitIntervalMs'],
    [{ onUnknownType: 'ignore' }, 'onUnknownType'],
    [{ retry: { attempts: 0 } }, 'retry.attempts'],
  ])('rejects hostile config %j naming %s', (override, field) => {
    const base = { driver: new InMemoryKafka(), groupId: 'g', topics: ['users'] };
    let error: unknown;
    try {
      createConsumer({ ...base, ...override } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).field).toBe(field);
  });

  it.each([
    // Names Kafka cannot use: refused at construction, not a consumer that runs and is never assigned anything.
    ['a topic with a space and "!"', { topics: ['bad topic!'] }, 'topics'],
    ['the topic ".."', { topics: ['..'] }, 'topics'],
    ['a 250-character topic', { topics: ['t'.repeat(250)] }, 'topics'],
    ['a topic that is not a string', { topics: ['users', 42] }, 'topics'],
    // librdkafka cuts a C string at NUL: these would share the offsets of group "team".
    ['a group id with a NUL', { groupId: 'team\u0000billing' }, 'groupId'],
    ['a group id with a newline', { groupId: 'team\nshipping' }, 'groupId'],
    ['a group id with a lone surrogate', { groupId: 'team\ud800' }, 'groupId'],
    ['a group id that is not a string', { groupId: 7 }, 'groupId'],
    // The dead-letter topic of a 240-character topic would pass Kafka's 249.
    [
      'a dead-letter topic too long',
      { topics: ['t'.repeat(240)], deadLetter: { enabled: true } },
      'deadLetter.topicName',
    ],
    [
      'a dead-letter topic with a space',
      { deadLetter: { enabled: true, topicName: (t: string) => `${t} dead` } },
      'deadLetter.topicName',
    ],
  ])('refuses %s at construction, naming the field', (_label, override, field) => {
    const base = { driver: new InMemoryKafka(), groupId: 'g', topics: ['users'] };
    expect(() => createConsumer({ ...base, ...override } as never)).toThrow(
      expect.objectContaining({ code: 'ORDO_INVALID_CONFIG', field }),
    );
  });

  it('validates consumed values against contracts; a violation fails the event, not the consumer', async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
    const producer = kafka.createProducer();
    await producer.connect();
    await producer.send([
      {
        topic: 'users',
        key: Buffer.from('a'),
        value: Buffer.from('{"id":1}'),
        headers: { 'ordo-type': 'user-created' },
      },
      {
        topic: 'users',
        key: Buffer.from('b'),
        value: Buffer.from('{"id":"b"}'),
        headers: { 'ordo-type': 'user-created' },
      },
    ]);
    const contracts = new ContractRegistry().topic('users', {
      events: { 'user-created': { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    });
    const consumer = createConsumer({
      driver: kafka,
      groupId: 'g',
      topics: ['users'],
      contracts,
      logger: silentLogger,
    });
    const failures: OrdoError[] = [];
    consumer.on('failed', (f) => failures.push(f.error));
    const ids: unknown[] = [];
    consumer.handle<{ id: string }>('users', 'user-created', (e) => void ids.push(e.value.id));
    await consumer.start();
    await waitFor(() => ids.length === 1 && failures.length === 1);
    await consumer.stop();
    expect(ids).toEqual(['b']);
    expect(failures[0]).toBeInstanceOf(ContractViolationError);
    expect((failures[0] as ContractViolationError).violations[0]!.path).toBe('/id');
  });
});
