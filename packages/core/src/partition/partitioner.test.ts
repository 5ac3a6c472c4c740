import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { KAFKA_MURMUR2_VECTORS, KAFKA_STREAMS_PLACEMENTS_3 } from '../testing/kafka-vectors.js';
import { murmur2, partitionFor, toPositive } from './index.js';

describe('murmur2', () => {
  it.each(KAFKA_MURMUR2_VECTORS)('hashes %j exactly like Kafka Utils.murmur2', (input, expected) => {
    expect(murmur2(Buffer.from(input, 'utf8'))).toBe(expected);
  });

  it('hashes the empty key without throwing', () => {
    expect(Number.isInteger(murmur2(new Uint8Array()))).toBe(true);
  });
});

describe('toPositive', () => {
  it('clears the sign bit like Kafka (not Math.abs)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(5)).toBe(5);
  });
});

describe('partitionFor', () => {
  // One-byte keys: the only murmur2 tail length (1) that UtilsTest's vectors miss.
  it('places keys "0".."9" on 3 partitions as Kafka Streams tests pre-computed', () => {
    const placements = [...Array(10).keys()].map((k) => partitionFor(String(k), 3));
    expect(placements).toEqual(KAFKA_STREAMS_PLACEMENTS_3);
  });

  it.each(KAFKA_MURMUR2_VECTORS)('places %j by toPositive(murmur2) %% n', (key, hash) => {
    for (const n of [1, 3, 12, 100]) {
      expect(partitionFor(key, n)).toBe((hash & 0x7fffffff) % n);
    }
  });

  it('hashes string keys as UTF-8, the bytes Java StringSerializer writes', () => {
    expect(partitionFor('ünïcødé-🙂', 100)).toBe(partitionFor(Buffer.from('ünïcødé-🙂', 'utf8'), 100));
  });

  it('spreads null keys across partitions', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) seen.add(partitionFor(null, 4));
    expect(seen).toEqual(new Set([0, 1, 2, 3]));
  });

  it('rejects a partition count that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => partitionFor('k', bad)).toThrow(InvalidConfigError);
    }
  });
});
