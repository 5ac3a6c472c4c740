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
