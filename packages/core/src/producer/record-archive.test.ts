import { describe, expect, it } from 'vitest';
import type { ProducerRecord } from '../driver/types.js';
import { RecordArchive } from './record-archive.js';

describe('RecordArchive', () => {
  it('gives back records equal to those archived, whatever their optional fields', () => {
    const records: ProducerRecord[] = [
      { topic: 'a', key: 'k1', value: Buffer.from('{"n":1}'), headers: { 'ordo-id': 'x' } },
      { topic: 'b', key: null, value: null },
      { topic: 'a', key: Buffer.from([0, 255]), value: Buffer.alloc(0), partition: 3 },
      { topic: 'c', key: 'ключ', value: null, timestamp: 1_700_000_000_000 },
      { topic: 'a', key: 'k2', value: Buffer.alloc(5000, 7), partition: 0, timestamp: 0 },
      { topic: 'a', key: 'k3', value: Buffer.from('after a large one') },
    ];
    const archive = RecordArchive.of(records);
    expect(archive.length).toBe(6);
    expect(archive.records()).toEqual(records);
  });

  it('owns the bytes of small values: changing an original afterwards changes nothing', () => {
    const value = Buffer.from('before');
    const archive = RecordArchive.of([{ topic: 't', key: 'k', value }]);
    value.write('AFTER!');
    expect(archive.records()[0]!.value!.toString()).toBe('before');
  });

  it('archives an empty publish', () => {
    expect(RecordArchive.of([]).records()).toEqual([]);
  });
});
