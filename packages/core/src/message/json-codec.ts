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
 * mangle (`undefined` at the top, functions, symbols, NaN and Infinity, Map, Set) are
 * refused with an {@link EncodeError} rather than published as something else; BigInt
 * and circular structures, which `JSON.stringify` rejects, are refused the same way.
 */
export const jsonCodec: Codec = {
  contentType: 'application/json',
  encode(value: unknown): Buffer {
    let text: string | undefined;
    try {
      // Native stringify first (fast, and it rejects cycles and BigInt), then a JS walk
      // for what it would silently lose: cheaper than a replacer called for every key.
      text = JSON.stringify(value);
      assertNothingLost(value);
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

/**
 * Throws when JSON would lose something in `value`. The walk builds no path strings:
 * only once something is found does a second walk name where it is.
 */
function assertNothingLost(value: unknown): void {
  if (!lossless(value)) {
    const found = firstLoss(value, '');
    throw new TypeError(found ?? 'value has no JSON form');
  }
}

function lossless(value: unknown): boolean {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return false;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (value instanceof Map || value instanceof Set) return false;
      // Objects that define their own JSON form (Date, Buffer, ...) are trusted.
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!lossless(value[i])) return false;
        return true;
      }
      for (const key in value) {
        if (Object.hasOwn(value, key) && !lossless((value as Record<string, unknown>)[key])) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

/** Describes the first thing JSON would lose in `value`, with its path. */
function firstLoss(value: unknown, path: string): string | undefined {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return `${typeof value} at "${path}" has no JSON form`;
    case 'number':
      return Number.isFinite(value) ? undefined : `${String(value)} at "${path}" has no JSON form`;
    case 'object': {
      if (value === null) return undefined;
      if (value instanceof Map || value instanceof Set)
        return `${value.constructor.name} at "${path}" would encode as {}`;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const found = firstLoss(value[i], `${path}/${i}`);
          if (found) return found;
        }
        return undefined;
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const found = firstLoss((value as Record<string, unknown>)[key], `${path}/${key}`);
        if (found) return found;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
