import { describe, expect, it } from 'vitest';
import { ShortTextCache } from './short-text-cache.js';

describe('ShortTextCache', () => {
  it('gives the same text as decoding, for equal and for different bytes of one length', () => {
    const cache = new ShortTextCache(2);
    for (const text of ['order-placed', 'order-placee', 'order-placed', 'ünï-✓', 'order-placee', 'ünï-✓']) {
      expect(cache.text(Buffer.from(text))).toBe(text);
    }
  });

  it('returns the very same string for repeated bytes', () => {
    const cache = new ShortTextCache();
    const first = cache.text(Buffer.from('balance-changed'));
    expect(Object.is(cache.text(Buffer.from('balance-changed')), first)).toBe(true);
  });

  it('keeps a copy: a buffer changed after decoding does not change later answers', () => {
    const cache = new ShortTextCache();
    const bytes = Buffer.from('type-a');
    expect(cache.text(bytes)).toBe('type-a');
    bytes.write('type-b');
    expect(cache.text(bytes)).toBe('type-b');
    expect(cache.text(Buffer.from('type-a'))).toBe('type-a');
  });

  it('decodes views of larger buffers and values over the size limit correctly', () => {
    const cache = new ShortTextCache(4, 8);
    const big = Buffer.from('xxhelloyy');
    expect(cache.text(big.subarray(2, 7))).toBe('hello');
    expect(cache.text(Buffer.from('a-long-event-type'))).toBe('a-long-event-type');
    expect(cache.text(Buffer.alloc(0))).toBe('');
  });
});
