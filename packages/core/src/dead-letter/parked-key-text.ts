import { InvalidConfigError } from '../errors.js';

/** Marks a key written as its bytes in hex, for keys that are not plain text. */
export const HEX_KEY_PREFIX = 'hex:';

// C0 controls and DEL cannot be read or typed by an operator.
// eslint-disable-next-line no-control-regex
const UNTYPABLE = /[\u0000-\u001f\u007f]/;

/**
 * A key as operators read and type it: its text when the bytes are valid UTF-8 with
 * no control characters (and do not themselves start with `hex:`), otherwise `hex:`
 * followed by the bytes in lower-case hex. Distinct bytes always give distinct text,
 * and {@link keyFromText} gives the bytes back.
 *
 * @example keyText(Buffer.from('u-42')) === 'u-42'; keyText(Buffer.from([0xff, 0x01])) === 'hex:ff01'
 */
export function keyText(bytes: Uint8Array): string {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const text = buffer.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD, which does not encode back to the same bytes.
  const plain = Buffer.from(text, 'utf8').equals(buffer);
  if (plain && !UNTYPABLE.test(text) && !text.startsWith(HEX_KEY_PREFIX)) return text;
  return HEX_KEY_PREFIX + buffer.toString('hex');
}

/**
 * The bytes of a key as an operator typed it (the inverse of {@link keyText}).
 *
 * @throws InvalidConfigError for `hex:` followed by anything but pairs of hex digits.
 */
export function keyFromText(text: string): Buffer {
  if (!text.startsWith(HEX_KEY_PREFIX)) return Buffer.from(text, 'utf8');
  const hex = text.slice(HEX_KEY_PREFIX.length);
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    throw new InvalidConfigError('key', `"${text}" is not "hex:" followed by pairs of hex digits`);
  }
  return Buffer.from(hex, 'hex');
}

/** A key given either as its bytes or as operator text (see {@link keyText}). */
export type KeyInput = string | Uint8Array;

/** The bytes of a key given as bytes or as operator text. */
export function keyBytesOf(key: KeyInput): Buffer {
  if (typeof key === 'string') return keyFromText(key);
  return Buffer.isBuffer(key) ? key : Buffer.from(key);
}

/** A map key that identifies a (topic, key bytes) pair exactly: one character per byte. */
export function parkedId(topic: string, key: Uint8Array): string {
  const buffer = Buffer.isBuffer(key) ? key : Buffer.from(key);
  return `${topic}\u0000${buffer.toString('latin1')}`;
}
