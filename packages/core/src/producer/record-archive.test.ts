import { describe, expect, it } from 'vitest';
import type { ProducerRecord } from '../driver/types.js';
import { recordHeaders, type BuiltRecord } from './build-record.js';
import { RecordArchive } from './record-archive.js';

const JSON_TYPE = 'application/json';

/** A built record as encodeRecord makes it: its headers come from recordHeaders. */
function built(
  id: string,
  fields: Omit<ProducerRecord, 'headers'>,
  extraHeaders?: Record<string, string>,
  type = 'happened',
): BuiltRecord {
  const record = { ...fields, headers: recordHeaders(id, type, JSON_TYPE, extraHeaders) };
  return { id, type, extraHeaders, record };
}

describe('RecordArchive', () => {
  it('gives back records equal to those archived, whatever their optional fields', () => {
    const records = [
      built('1', { topic: 'a', key: 'k1', value: Buffer.from('{"n":1}') }, { 'x-trace': 't1' }),
      built('2', { topic: 'b', key: null, value: null }, undefined, 'other'),
      built('3', { topic: 'a', key: Buffer.from([0, 255]), value: Buffer.alloc(0), partition: 3 }),
      built('4', { topic: 'c', key: 'ключ', value: null, timestamp: 1_700_000_000_000 }),
      built('5', { topic: 'a', key: 'k2', value: Buffer.alloc(5000, 7), partition: 0, timestamp: 0 }),
      built('6', { topic: 'a', key: 'k3', value: Buffer.from('after a large one') }),
    ];
    const archive = RecordArchive.of(records, JSON_TYPE);
    expect(archive.length).toBe(6);
    expect(archive.ids).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(archive.records()).toEqual(records.map((b) => b.record));
  });

  it('keeps the caller headers first and Ordo headers after them, as they were sent', () => {
    const one = built('id-1', { topic: 't', key: 'k', value: Buffer.from('{}') }, { b: '2', a: '1' });
    const [again] = RecordArchive.of([one], JSON_TYPE).records();
    expect(Object.entries(again!.headers!)).toEqual(Object.entries(one.record.headers!));
    expect(Object.keys(again!.headers!)).toEqual(['b', 'a', 'ordo-id', 'ordo-type', 'content-type']);
  });

  it('archives records of one topic and of several, small values only and large ones only', () => {
    const same = [1, 2, 3].map((n) => built(`${n}`, { topic: 'one', key: `${n}`, value: Buffer.from(`${n}`) }));
    expect(RecordArchive.of(same, JSON_TYPE).records()).toEqual(same.map((b) => b.record));
    const large = [1, 2].map((n) => built(`${n}`, { topic: `t${n}`, key: null, value: Buffer.alloc(2000, n) }));
    expect(RecordArchive.of(large, JSON_TYPE).records()).toEqual(large.map((b) => b.record));
  });

  it('owns the bytes of small values: changing an original afterwards changes nothing', () => {
    const value = Buffer.from('before');
    const archive = RecordArchive.of([built('1', { topic: 't', key: 'k', value })], JSON_TYPE);
    value.write('AFTER!');
    expect(archive.records()[0]!.value!.toString()).toBe('before');
  });

  it('archives an empty publish', () => {
    expect(RecordArchive.of([], JSON_TYPE).records()).toEqual([]);
  });
});
