import type { ConsumedRecord } from '../driver/types.js';
import { HEADERS, headersFromRaw, type Headers } from '../message/headers.js';
import type { Codec } from '../message/json-codec.js';
import type { ConsumedEvent } from '../message/message.js';
import type { RecordRef } from './consumer-events.js';
import { ShortTextCache } from '../message/short-text-cache.js';

const UNDECODED = Symbol('undecoded');

/**
 * A consumed event that decodes its value and headers on first access. Handlers that
 * never read the value (or read only a few headers) cost no JSON parsing; a value
 * that does not decode throws `DecodeError` where it is read, which fails the event.
 */
export class LazyConsumedEvent implements ConsumedEvent {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly type: string;
  readonly timestamp: number;
  private decodedValue: unknown = UNDECODED;
  private decodedHeaders: Headers | undefined;
  private decodedKey: string | null | undefined;

  constructor(
    private readonly record: ConsumedRecord,
    private readonly codec: Codec,
  ) {
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.type = typeOf(record);
    this.timestamp = record.timestamp;
  }

  get key(): string | null {
    if (this.decodedKey === undefined) this.decodedKey = keyOf(this.record);
    return this.decodedKey;
  }

  get keyBytes(): Buffer | null {
    return this.record.key;
  }

  get value(): unknown {
    if (this.decodedValue === UNDECODED) {
      this.decodedValue = this.record.value === null ? null : this.codec.decode(this.record.value);
    }
    return this.decodedValue;
  }

  get headers(): Headers {
    this.decodedHeaders ??= headersFromRaw(this.record.headers);
    return this.decodedHeaders;
  }

  /** The `ordo-id` header; records from producers that set none get one from their position. */
  get id(): string {
    const raw = this.record.headers[HEADERS.id];
    if (raw === undefined) return `${this.topic}/${this.partition}/${this.offset}`;
    return typeof raw === 'string' ? raw : raw.toString();
  }

  /** A plain snapshot, for logs and JSON. */
  toJSON(): Record<string, unknown> {
    const { topic, partition, offset, key, type, headers, id, timestamp } = this;
    return { topic, partition, offset, key, type, headers, id, timestamp, value: this.value };
  }
}

/** Event types repeat: one cache for the process (see ShortTextCache). */
const typeTexts = new ShortTextCache(32);

/** The `ordo-type` header as a string, `''` when absent. */
export function typeOf(record: ConsumedRecord): string {
  const raw = record.headers[HEADERS.type];
  if (raw === undefined) return '';
  return typeof raw === 'string' ? raw : typeTexts.text(raw);
}

/** The record's key as a UTF-8 string, or `null`. */
export function keyOf(record: ConsumedRecord): string | null {
  return record.key === null ? null : record.key.toString();
}

/** Where a record sits, with its key as text, for events. */
export function refOf(record: ConsumedRecord): RecordRef {
  return { topic: record.topic, partition: record.partition, offset: record.offset, key: keyOf(record) };
}
