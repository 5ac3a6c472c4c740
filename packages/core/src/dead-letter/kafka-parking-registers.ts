import type { ConsumedRecord } from '../driver/types.js';
import { keyText } from './parked-key-text.js';

/** The three registers of a parked key: parked-through (P), handled-through (H), discarded-through (D). @internal */
export type Register = 'P' | 'H' | 'D';

/** One register write, as it travels in the parking topic. @internal */
export interface RegisterWrite {
  readonly register: Register;
  readonly topic: string;
  readonly key: Buffer;
  readonly offset: number;
  readonly partition: number;
  readonly at: number;
}

/** The Kafka key of a register: its kind, the source topic, then the key's bytes as they are. @internal */
export function registerKey(register: Register, topic: string, key: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${register}\u0000${topic}\u0000`, 'utf8'), key]);
}

/**
 * The value of a register record. `key` is the readable form, for people reading the
 * topic; `keyBase64` the exact bytes. Records written before keys were bytes have only
 * `key`, which was then the key's UTF-8 text.
 */
export function registerValue(write: RegisterWrite): Buffer {
  const { topic, key, offset, partition, at } = write;
  return Buffer.from(
    JSON.stringify({ topic, key: keyText(key), keyBase64: key.toString('base64'), offset, partition, at }),
  );
}

/** Reads a register record; `undefined` for a barrier, a tombstone, or a record that is not ours. @internal */
export function readRegister(record: ConsumedRecord): RegisterWrite | undefined {
  if (!record.key || !record.value) return undefined;
  const register = record.key.toString('utf8', 0, 1);
  if (register !== 'P' && register !== 'H' && register !== 'D') return undefined;
  try {
    const v = JSON.parse(record.value.toString('utf8')) as {
      topic: string;
      key: string;
      keyBase64?: string;
      offset: number;
      partition: number;
      at: number;
    };
    const key = v.keyBase64 === undefined ? Buffer.from(v.key, 'utf8') : Buffer.from(v.keyBase64, 'base64');
    return { register, topic: v.topic, key, offset: v.offset, partition: v.partition, at: v.at };
  } catch {
    // Not one of ours: ignore, as a compacted topic may hold other records.
    return undefined;
  }
}
