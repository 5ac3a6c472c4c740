import { randomUUID } from 'node:crypto';
import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { ProducerRecord } from '../driver/types.js';
import { InvalidMessageError, MissingKeyError, RecordTooLargeError } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import type { Codec } from '../message/json-codec.js';
import type { OutgoingMessage } from '../message/message.js';
import { validateTopicName } from '../message/topic-name.js';

/** What turning a message into a record needs. */
export interface RecordBuildContext {
  readonly codec: Codec;
  readonly contracts: ContractRegistry | undefined;
  readonly maxRecordBytes: number;
}

/** A record ready to send, with what its Ordo headers were made of. */
export interface BuiltRecord {
  readonly id: string;
  readonly type: string;
  /** The caller's own headers, when it gave any. */
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;
  readonly record: ProducerRecord;
}

const RESERVED_PREFIX = 'ordo-';
const ORDO_HEADER_NAME_BYTES = HEADERS.id.length + HEADERS.type.length + HEADERS.contentType.length;

/**
 * Validates a message and turns it into a driver record: shape, key rule, contract,
 * encoding, size. Throws a typed `OrdoError` before anything is sent.
 */
export function buildRecord(message: OutgoingMessage, ctx: RecordBuildContext): BuiltRecord {
  checkMessage(message, ctx.contracts);
  ctx.contracts?.validate(message.topic, message.type, message.value);
  return encodeRecord(message, ctx);
}

/**
 * Checks what makes a message unusable whatever its contract says: its shape, reserved
 * headers, and a key where the topic's contract requires one.
 * @throws InvalidMessageError | MissingKeyError
 */
export function checkMessage(message: OutgoingMessage, contracts: ContractRegistry | undefined): void {
  checkShape(message);
  if ((message.key === null || message.key === '') && contracts?.isKeyed(message.topic)) {
    throw new MissingKeyError(message.topic);
  }
}

/**
 * Encodes a checked message into a record, with its id and Ordo's headers.
 * @throws EncodeError | RecordTooLargeError
 */
export function encodeRecord(message: OutgoingMessage, ctx: RecordBuildContext): BuiltRecord {
  const { topic, type } = message;
  const id = message.id ?? randomUUID();
  const value = ctx.codec.encode(message.value);
  const key = message.key;
  const contentType = ctx.codec.contentType;
  const extra = message.headers ?? undefined;
  const headers = recordHeaders(id, type, contentType, extra);
  // UTF-8 takes at most 3 bytes per UTF-16 code unit, so the exact size (a native call
  // per string) is counted only when this bound exceeds the limit.
  const headerChars = id.length + type.length + contentType.length + (extra ? extraChars(extra) : 0);
  const bound = value.length + ORDO_HEADER_NAME_BYTES + 3 * ((key?.length ?? 0) + headerChars);
  if (bound > ctx.maxRecordBytes) {
    const size = value.length + (key === null ? 0 : Buffer.byteLength(key)) + headerBytes(headers);
    if (size > ctx.maxRecordBytes) throw new RecordTooLargeError(topic, size, ctx.maxRecordBytes);
  }
  const record: ProducerRecord =
    message.timestamp === undefined
      ? { topic, key, value, headers }
      : { topic, key, value, headers, timestamp: message.timestamp };
  return { id, type, extraHeaders: extra, record };
}

/**
 * The headers of a record: the caller's own, then Ordo's. The one place they are
 * made, so that a record rebuilt for a retry carries exactly the headers it first had.
 */
export function recordHeaders(
  id: string,
  type: string,
  contentType: string,
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!extra) {
    // The usual case: a literal with constant names is created from one template,
    // several times faster than three keyed stores into an empty object.
    return { 'ordo-id': id, 'ordo-type': type, 'content-type': contentType } satisfies Record<
      (typeof HEADERS)['id' | 'type' | 'contentType'],
      string
    >;
  }
  const headers: Record<string, string> = {};
  for (const name in extra) if (Object.hasOwn(extra, name)) headers[name] = extra[name]!;
  headers[HEADERS.id] = id;
  headers[HEADERS.type] = type;
  headers[HEADERS.contentType] = contentType;
  return headers;
}

function extraChars(extra: Readonly<Record<string, string>>): number {
  let chars = 0;
  for (const name in extra) if (Object.hasOwn(extra, name)) chars += name.length + extra[name]!.length;
  return chars;
}

function headerBytes(headers: Record<string, string>): number {
  let bytes = 0;
  for (const name in headers) bytes += Buffer.byteLength(name) + Buffer.byteLength(headers[name]!);
  return bytes;
}

/** The last topic name found valid: one producer mostly writes to a few topics. */
let lastValidTopic = '';

function checkShape(message: OutgoingMessage): void {
  if (typeof message !== 'object' || message === null) {
    throw new InvalidMessageError('A message must be an object with topic, key, type and value');
  }
  if (typeof message.topic !== 'string' || message.topic === '') {
    throw new InvalidMessageError('message.topic must be a non-empty string');
  }
  if (message.topic !== lastValidTopic) {
    validateTopicName(message.topic);
    lastValidTopic = message.topic;
  }
  if (typeof message.type !== 'string' || message.type === '') {
    throw new InvalidMessageError(`message.type must be a non-empty string (topic "${message.topic}")`);
  }
  if (message.key !== null && typeof message.key !== 'string') {
    throw new InvalidMessageError(
      `message.key must be a string or null (topic "${message.topic}"); got ${typeof message.key}`,
    );
  }
  if (message.key !== null && !message.key.isWellFormed()) {
    // A lone surrogate has no UTF-8 form: Node would send U+FFFD and Java's client "?",
    // two different keys on two different partitions (O5).
    throw new InvalidMessageError(
      `message.key is not valid Unicode: it holds a lone surrogate (topic "${message.topic}"); use a Buffer-safe text key`,
    );
  }
  if (message.id !== undefined && (typeof message.id !== 'string' || message.id === '')) {
    throw new InvalidMessageError('message.id must be a non-empty string when given');
  }
  const headers = message.headers;
  if (headers === undefined || headers === null) return;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new InvalidMessageError(`Header "${name}" is reserved: names starting with "ordo-" are Ordo's`);
    }
    if (typeof headers[name] !== 'string') throw new InvalidMessageError(`Header "${name}" must be a string`);
  }
}
