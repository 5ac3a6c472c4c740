import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { keyFromText, keyText } from './parked-key-text.js';

describe('the operator form of a key', () => {
  it('is the text of a plain UTF-8 key', () => {
    expect(keyText(Buffer.from('u-42'))).toBe('u-42');
    expect(keyText(Buffer.from('ünï ✓'))).toBe('ünï ✓');
    expect(keyText(Buffer.from('\ufffd'))).toBe('\ufffd'); // a real U+FFFD is valid UTF-8
  });

  it('is hex with a marker for bytes that are not UTF-8, hold control characters, or look like the marker', () => {
    expect(keyText(Buffer.from([0xff, 0x01]))).toBe('hex:ff01');
    expect(keyText(Buffer.from([0xfe, 0x01]))).toBe('hex:fe01');
    expect(keyText(Buffer.from('a\u0000b'))).toBe('hex:610062');
    expect(keyText(Buffer.from('hex:ff01'))).toBe('hex:6865783a66663031');
    expect(keyText(Buffer.alloc(0))).toBe('');
  });

  it('gives the exact bytes back, for every form', () => {
    for (const bytes of [
      Buffer.from('u-42'),
      Buffer.from([0xff, 0x01]),
      Buffer.from('hex:ff01'),
      Buffer.from('a\u0000b'),
      Buffer.from([0xed, 0xa0, 0x80]), // an encoded lone surrogate: not UTF-8
    ]) {
      expect(keyFromText(keyText(bytes)).equals(bytes)).toBe(true);
    }
    expect(keyFromText('hex:FF01').equals(Buffer.from([0xff, 0x01]))).toBe(true);
  });

  it('refuses a marker followed by anything but pairs of hex digits', () => {
    expect(() => keyFromText('hex:f')).toThrow(InvalidConfigError);
    expect(() => keyFromText('hex:zz')).toThrow(InvalidConfigError);
  });
});
