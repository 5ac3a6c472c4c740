import { DecodeError, EncodeError, messageOf } from '../errors.js';

/** Turns values into record bytes and back. */
export interface Codec {
  /** Value of the `content-type` header this codec writes. */
  readonly contentType: string;
  /** @throws EncodeError when the value cannot be represented. */
  encode(value: unknown): Buffer;
  /** @throws DecodeError when the bytes are not a valid encoding. */
  decode(bytes: Buffer): unknown;
}

/**
 * JSON codec. Stricter than `JSON.stringify`: values JSON would silently drop or
 * mangle (`undefined` at the top, functions, symbols, BigInt, NaN, circular objects)
 * are refused with an {@link EncodeError} rather than published as something else.
 */
export const jsonCodec: Codec = {
  contentType: 'application/json',
  encode(value: unknown): Buffer {
    let text: string | undefined;
    try {
      text = JSON.stringify(value, rejectLossyValues);
    } catch (error) {
      throw new EncodeError(`Value cannot be encoded as JSON: ${messageOf(error)}`, error);
    }
    if (text === undefined) {
      throw new EncodeError(`Value of type ${typeof value} cannot be encoded as JSON`);
    }
    return Buffer.from(text, 'utf8');
  },
  decode(bytes: Buffer): unknown {
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      const preview = bytes.subarray(0, 64).toString('utf8');
      throw new DecodeError(`Record value is not valid JSON (starts with ${JSON.stringify(preview)})`, error);
    }
  },
};

function rejectLossyValues(this: unknown, key: string, value: unknown): unknown {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      throw new TypeError(`${typeof value} at "${key}" has no JSON form`);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${String(value)} at "${key}" has no JSON form`);
      return value;
    default:
      return value;
  }
}
