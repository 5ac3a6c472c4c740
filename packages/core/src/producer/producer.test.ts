import { describe, expect, it } from 'vitest';
import { ContractRegistry } from '../contracts/contract-registry.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import {
  ContractViolationError,
  DeliveryError,
  EncodeError,
  InvalidConfigError,
  InvalidMessageError,
  MissingKeyError,
  RecordTooLargeError,
  UnknownEventTypeError,
} from '../errors.js';
import { partitionFor } from '../partition/partitioner.js';
import { createProducer } from './producer.js';

const contracts = () =>
  new ContractRegistry().topic('users', {
    keyed: true,
    events: {
      'user-created': {
        type: 'object',
        required: ['id', 'email'],
        properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
      },
    },
  });

function setup(options: ConstructorParameters<typeof InMemoryKafka>[0] = {}) {
  const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 8 }], ...options });
  const producer = createProducer({
    driver: kafka,
    contracts: contracts(),
    retry: { attempts: 3, backoff: { initialMs: 1, maxMs: 2 } },
  });
  const stored = () => [...Array(8).keys()].flatMap((p) => kafka.records('users', p));
  return { kafka, producer, stored };
}

const valid = { topic: 'users', key: 'u1', type: 'user-created', value: { id: 'u1', email: 'u1@example.com' } };

describe('createProducer', () => {
  it('publishes with id, type and content-type headers on the murmur2 partition', async () => {
    const { producer, kafka } = setup();
    const result = await producer.publish({ ...valid, headers: { traceparent: '00-trace-01' } });
    expect(result.partition).toBe(partitionFor('u1', 8));
    const [record] = kafka.records('users', result.partition);
    expect(record!.headers).toMatchObject({
      'ordo-id': result.id,
      'ordo-type': 'user-created',
      'content-type': 'application/json',
      traceparent: '00-trace-01',
    });
    expect(JSON.parse(record!.value!.toString())).toEqual(valid.value);
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a given id, so re-publishing is detectable downstream', async () => {
    const { producer } = setup();
    expect((await producer.publish({ ...valid, id: 'evt-1' })).id).toBe('evt-1');
  });

  it('publishMany keeps order per partition and validates all before sending any', async () => {
    const { producer, stored } = setup();
    const many = Array.from({ length: 5 }, (_, i) => ({ ...valid, value: { id: 'u1', email: `n${i}@example.com` } }));
    const results = await producer.publishMany(many);
    expect(results.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    await expect(producer.publishMany([valid, { ...valid, value: { id: 'u1' } }])).rejects.toThrow(
      ContractViolationError,
    );
    expect(stored()).toHaveLength(5);
  });

  it('retries a retriable send failure and delivers once', async () => {
    const { producer, kafka, stored } = setup();
    kafka.faults.failNextSends(2);
    await producer.publish(valid);
    expect(stored()).toHaveLength(1);
  });

  it('a retried batch goes out again byte for byte: same ids, keys, headers and order', async () => {
    const { producer, kafka, stored } = setup();
    kafka.faults.failNextSends(1);
    const batch = Array.from({ length: 20 }, (_, i) => ({
      ...valid,
      key: `u${i % 3}`,
      value: { id: `u${i % 3}`, email: `n${i}@example.com`, note: 'x'.repeat(i * 150) },
      headers: { traceparent: `00-${i}-01` },
    }));
    const results = await producer.publishMany(batch);
    const records = stored().sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    expect(records).toHaveLength(20);
    const byId = new Map(results.map((r, i) => [r.id, i]));
    for (const record of records) {
      const i = byId.get(record.headers['ordo-id'] as string)!;
      expect(record.key?.toString()).toBe(batch[i]!.key);
      expect(JSON.parse(record.value!.toString())).toEqual(batch[i]!.value);
      expect(record.headers['traceparent']).toBe(`00-${i}-01`);
      expect(record.offset).toBe(results[i]!.offset);
    }
  });

  it('gives up with a DeliveryError when failures outlast the retries, or are fatal', async () => {
    const { producer, kafka, stored } = setup();
    kafka.faults.failNextSends(3);
    const retriable = await producer.publish(valid).catch((e: unknown) => e);
    expect(retriable).toBeInstanceOf(DeliveryError);
    expect((retriable as DeliveryError).retriable).toBe(true);
    kafka.faults.failNextSends(1, { retriable: false });
    const fatal = await producer.publish(valid).catch((e: unknown) => e);
    expect((fatal as DeliveryError).retriable).toBe(false);
    expect(stored()).toHaveLength(0);
  });

  describe('bad input gets a typed error and sends nothing', () => {
    const cases: Array<[string, object, new (...a: never[]) => Error]> = [
      [
        'a circular value',
        (() => {
          const v: Record<string, unknown> = { id: 'u1', email: 'a@b.io' };
          v.self = v;
          return { value: v };
        })(),
        EncodeError,
      ],
      ['a BigInt value', { value: { id: 'u1', email: 'a@b.io', n: 10n } }, EncodeError],
      ['a NaN value', { value: { id: 'u1', email: 'a@b.io', n: Number.NaN } }, EncodeError],
      ['an undefined value on a topic without contract', { topic: 'audit', value: undefined }, EncodeError],
      ['a payload breaking its contract', { value: { id: 7 } }, ContractViolationError],
      ['a type the topic does not declare', { type: 'user-renamed' }, UnknownEventTypeError],
      ['a keyless publish to a keyed topic', { key: null }, MissingKeyError],
      ['an empty key on a keyed topic', { key: '' }, MissingKeyError],
      ['a numeric key', { key: 42 }, InvalidMessageError],
      ['an empty topic', { topic: '' }, InvalidMessageError],
      ['a reserved header', { headers: { 'ordo-id': 'forged' } }, InvalidMessageError],
      // No UTF-8 form: Node would send U+FFFD, Java's client "?", two partitions for one key (O5).
      ['a key with a lone surrogate', { key: 'u-\ud800' }, InvalidMessageError],
    ];
    it.each(cases)('%s', async (_name, override, errorClass) => {
      const { producer, stored } = setup();
      const error = await producer.publish({ ...valid, ...override } as typeof valid).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(errorClass);
      expect((error as { code: string }).code).toMatch(/^ORDO_/);
      expect(stored()).toHaveLength(0);
    });

    it('an oversized record', async () => {
      const { producer, stored } = setup();
      const big = { id: 'u1', email: 'a@b.io', blob: 'x'.repeat(2_000_000) };
      const error = await producer.publish({ ...valid, value: big }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecordTooLargeError);
      expect((error as RecordTooLargeError).limit).toBe(1_114_112);
      expect(stored()).toHaveLength(0);
    });
  });

  it("counts a record's size in UTF-8 bytes, exactly at the limit", async () => {
    const kafka = new InMemoryKafka({ topics: [{ name: 'notes', partitions: 1 }], maxRecordBytes: 10_000 });
    const producer = createProducer({ driver: kafka, maxRecordBytes: 300 });
    // Multi-byte key and header: the quick bound (3 bytes per UTF-16 unit) exceeds the
    // limit, so the exact count decides.
    const message = (text: string) => ({
      topic: 'notes',
      key: 'ключ-✓',
      id: 'évènement-1',
      type: 'note-added',
      headers: { 'x-author': 'Zoë 🙂' },
      value: text,
    });
    const fixed =
      Buffer.byteLength('ключ-✓') +
      Buffer.byteLength('x-author') +
      Buffer.byteLength('Zoë 🙂') +
      Buffer.byteLength('ordo-idévènement-1') +
      Buffer.byteLength('ordo-typenote-added') +
      Buffer.byteLength('content-typeapplication/json');
    const fits = 'a'.repeat(300 - fixed - 2); // JSON adds the two quotes
    await expect(producer.publish(message(fits))).resolves.toMatchObject({ offset: 0 });
    const error = await producer.publish(message(`${fits}a`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(error).toMatchObject({ bytes: 301, limit: 300 });
    expect(kafka.records('notes', 0)).toHaveLength(1);
  });

  it('lists every contract violation with its path', async () => {
    const { producer } = setup();
    const error = (await producer
      .publish({ ...valid, value: { email: 'nope' } })
      .catch((e: unknown) => e)) as ContractViolationError;
    expect(error.violations.map((v) => v.path).sort()).toEqual(['/email', '/id']);
  });

  it('rejects a config without a driver', () => {
    expect(() => createProducer({} as never)).toThrow(InvalidConfigError);
  });
});
