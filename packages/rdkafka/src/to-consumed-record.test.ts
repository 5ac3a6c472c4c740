import { describe, expect, it } from 'vitest';
import type Kafka from 'node-rdkafka';
import { toConsumedRecord } from './to-consumed-record.js';

const message = (headers: Kafka.MessageHeader[] | undefined): Kafka.Message => ({
  topic: 't',
  partition: 3,
  offset: 42,
  key: Buffer.from('k'),
  value: Buffer.from('{}'),
  size: 2,
  timestamp: 1_700_000_000_000,
  headers,
});
const b = (text: string) => Buffer.from(text);

describe('toConsumedRecord', () => {
  it('reads the headers an Ordo producer writes, in its order', () => {
    const record = toConsumedRecord(
      message([{ 'ordo-id': b('id-1') }, { 'ordo-type': b('created') }, { 'content-type': b('application/json') }]),
    );
    expect(record).toEqual({
      topic: 't',
      partition: 3,
      offset: 42,
      key: b('k'),
      value: b('{}'),
      timestamp: 1_700_000_000_000,
      headers: { 'ordo-id': b('id-1'), 'ordo-type': b('created'), 'content-type': b('application/json') },
    });
  });

  it('reads any other headers, in any order; a repeated name keeps its last value', () => {
    const headers = toConsumedRecord(
      message([{ 'x-trace': b('1') }, { 'ordo-type': b('created') }, { 'x-trace': b('2') }]),
    ).headers;
    expect(headers).toEqual({ 'x-trace': b('2'), 'ordo-type': b('created') });
    const reordered = toConsumedRecord(
      message([{ 'ordo-type': b('created') }, { 'ordo-id': b('id-1') }, { 'content-type': b('text/plain') }]),
    ).headers;
    expect(reordered).toEqual({ 'ordo-type': b('created'), 'ordo-id': b('id-1'), 'content-type': b('text/plain') });
    const four = toConsumedRecord(
      message([{ 'ordo-id': b('i') }, { 'ordo-type': b('t') }, { 'content-type': b('c') }, { extra: b('e') }]),
    ).headers;
    expect(four).toEqual({ 'ordo-id': b('i'), 'ordo-type': b('t'), 'content-type': b('c'), extra: b('e') });
  });

  it('gives no headers as an empty object, and a missing key as null', () => {
    const record = toConsumedRecord({ ...message(undefined), key: undefined });
    expect(record.headers).toEqual({});
    expect(record.key).toBeNull();
  });
});

describe('toConsumedRecord memory', () => {
  // node-rdkafka gives each key, value and header value a native allocation of its own;
  // kept by a buffered record, those were most of a draining consumer's growth.
  // As node-rdkafka makes them: a Buffer over an ArrayBuffer of its own.
  const own = (text: string) => Buffer.from(new TextEncoder().encode(text).buffer);

  it('copies small keys, values and header values into a shared pool instead of keeping one allocation each', () => {
    const consumed = [1, 2].map((n) =>
      toConsumedRecord({
        ...message([{ 'ordo-id': own(`id-${n}`) }, { 'ordo-type': own('created') }, { 'content-type': own('text') }]),
        key: own('k'),
        value: own('{}'),
      }),
    );
    const views = consumed.flatMap((r) => [r.key!, r.value!, ...Object.values(r.headers)] as Buffer[]);
    // One pool chunk, or two if the chunk filled up on the way.
    expect(new Set(views.map((view) => view.buffer)).size).toBeLessThanOrEqual(2);
    for (const view of views) expect(view.buffer.byteLength).toBe(Buffer.poolSize);
    expect(consumed[1]).toMatchObject({ key: b('k'), value: b('{}'), headers: { 'ordo-id': b('id-2') } });
  });

  it('keeps a large value as node-rdkafka made it, without a copy', () => {
    const large = Buffer.alloc(Buffer.poolSize, 1);
    const other = toConsumedRecord({ ...message([{ 'x-blob': large }]), value: large });
    expect(other.value).toBe(large);
    expect(other.headers['x-blob']).toBe(large);
  });
});
