import { randomUUID } from 'node:crypto';
import type { ContractRegistry } from '../contracts/contract-registry.js';
import { recordSize } from '../driver/record-size.js';
import type { ProducerRecord } from '../driver/types.js';
import { InvalidMessageError, MissingKeyError, RecordTooLargeError } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import type { Codec } from '../message/json-codec.js';
import type { OutgoingMessage } from '../message/message.js';

/** What turning a message into a record needs. */
export interface RecordBuildContext {
  readonly codec: Codec;
  readonly contracts: ContractRegistry | undefined;
  readonly maxRecordBytes: number;
}

/** A record ready to send, with the id it will carry. */
export interface BuiltRecord {
  readonly id: string;
  readonly record: ProducerRecord;
}

const RESERVED_PREFIX = 'ordo-';

/**
 * Validates a message and turns it into a driver record: shape, key rule, contract,
 * encoding, size. Throws a typed `OrdoError` before anything is sent.
 */
export function buildRecord(message: OutgoingMessage, ctx: RecordBuildContext): BuiltRecord {
  checkShape(message);
  const { topic, key, type } = message;
  if ((key === null || key === '') && ctx.contracts?.isKeyed(topic)) throw new MissingKeyError(topic);
  ctx.contracts?.validate(topic, type, message.value);
  const id = message.id ?? randomUUID();
  const record: ProducerRecord = {
    topic,
    key: key === null ? null : Buffer.from(key, 'utf8'),
    value: ctx.codec.encode(message.value),
    headers: {
      ...message.headers,
      [HEADERS.id]: id,
      [HEADERS.type]: type,
      [HEADERS.contentType]: ctx.codec.contentType,
    },
    ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
  };
  const size = recordSize(record);
  if (size > ctx.maxRecordBytes) throw new RecordTooLargeError(topic, size, ctx.maxRecordBytes);
  return { id, record };
}

function checkShape(message: OutgoingMessage): void {
  if (typeof message !== 'object' || message === null) {
    throw new InvalidMessageError('A message must be an object with topic, key, type and value');
  }
  if (typeof message.topic !== 'string' || message.topic === '') {
    throw new InvalidMessageError('message.topic must be a non-empty string');
  }
  if (typeof message.type !== 'string' || message.type === '') {
    throw new InvalidMessageError(`message.type must be a non-empty string (topic "${message.topic}")`);
  }
  if (message.key !== null && typeof message.key !== 'string') {
    throw new InvalidMessageError(
      `message.key must be a string or null (topic "${message.topic}"); got ${typeof message.key}`,
    );
  }
  if (message.id !== undefined && (typeof message.id !== 'string' || message.id === '')) {
    throw new InvalidMessageError('message.id must be a non-empty string when given');
  }
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new InvalidMessageError(`Header "${name}" is reserved: names starting with "ordo-" are Ordo's`);
    }
    if (typeof value !== 'string') throw new InvalidMessageError(`Header "${name}" must be a string`);
  }
}
