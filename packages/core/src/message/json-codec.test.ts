import { describe, expect, it } from 'vitest';
import { DecodeError, EncodeError } from '../errors.js';
import { jsonCodec } from './json-codec.js';

describe('jsonCodec', () => {
  it('round-trips JSON values, dates as ISO strings', () => {
    const value = { id: 'u1', n: 1.5, tags: ['a', null], nested: { ok: true }, at: new Date(0) };
    expect(jsonCodec.decode(jsonCodec.encode(value))).toEqual({ ...value, at: '1970-01-01T00:00:00.000Z' });
  });

  it.each([
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['NaN', { n: Number.NaN }],
    ['Infinity in an array', [1, Number.POSITIVE_INFINITY]],
    ['a Map', { m: new Map([[1, 2]]) }],
    ['a Set', new Set([1])],
    ['a BigInt', { b: 10n }],
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
    ],
    ['undefined', undefined],
  ])('refuses %s instead of losing it', (_name, value) => {
    expect(() => jsonCodec.encode(value)).toThrow(EncodeError);
  });

  it('names where the lossy value is', () => {
    expect(() => jsonCodec.encode({ user: { prefs: [1, Number.NaN] } })).toThrow('/user/prefs/1');
  });

  it('keeps omitting undefined properties, as JSON always has (optional fields)', () => {
    expect(jsonCodec.decode(jsonCodec.encode({ a: 1, b: undefined }))).toEqual({ a: 1 });
  });

  it('refuses bytes that are not JSON with a DecodeError showing the start', () => {
    expect(() => jsonCodec.decode(Buffer.from('{oops'))).toThrow(DecodeError);
    expect(() => jsonCodec.decode(Buffer.from('{oops'))).toThrow('{oops');
  });
});
