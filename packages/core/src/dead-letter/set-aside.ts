import { isUtf8 } from 'node:buffer';
import type { ConsumedRecord, ProducerRecord } from '../driver/types.js';
import { InvalidMessageError, RecordTooLargeError, type OrdoError } from '../errors.js';
import { HEADERS } from '../message/headers.js';
import type { FailedMessageStore } from '../outbox/failed/failed-message.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-headers.js';
import { keyOf, typeOf } from '../consumer/consumed-event.js';

/** A dead letter in the form to try next, and what was done to get it. */
export interface SetAside {
  readonly target: ProducerRecord;
  readonly how: string;
}

/**
 * The next form of a dead letter that the producer refused for good, or `undefined`
 * when none is left (the caller then blocks the partition and keeps reporting):
 *
 * - refused headers (`InvalidMessageError`: node-rdkafka carries only UTF-8 text
 *   without NUL): every such value is sent as base64 of its bytes, and
 *   `ordo-dl-encoded-headers` names them, so the original bytes are kept;
 * - a record too large (`RecordTooLargeError`), with a failed-message store: the
 *   whole record goes to the store first (durably), then a dead letter without the
 *   value takes its place in the key's sequence, carrying the store's id
 *   (`ordo-dl-failure-id`) and the value's size (`ordo-dl-value-omitted`).
 *
 * The reference dead letter keeps the key parked and its later dead letters behind it
 * (O1); the dead-letter consumer refuses to handle it until an operator does.
 */
export async function setAside(
  target: ProducerRecord,
  record: ConsumedRecord,
  error: OrdoError,
  store: FailedMessageStore | undefined,
): Promise<SetAside | undefined> {
  const headers = target.headers ?? {};
  if (error instanceof InvalidMessageError && headers[DEAD_LETTER_HEADERS.encodedHeaders] === undefined) {
    const encoded = encodeUnsafeHeaders(headers);
    if (encoded) return { target: { ...target, headers: encoded.headers }, how: `headers ${encoded.names} encoded` };
  }
  if (error instanceof RecordTooLargeError && store && target.value !== null) {
    const textHeaders = encodeUnsafeHeaders(headers)?.headers ?? (headers as Record<string, string>);
    const stored = await store.add({
      messageId: textOf(record.headers[HEADERS.id]) ?? `${record.topic}/${record.partition}/${record.offset}`,
      origin: 'dead-letter',
      topic: target.topic,
      key: keyOf(record),
      type: typeOf(record),
      payload: target.value,
      headers: textHeaders,
      occurredAt: record.timestamp,
      error: error.message,
    });
    return {
      target: {
        ...target,
        value: null,
        headers: {
          ...textHeaders,
          [DEAD_LETTER_HEADERS.failureId]: stored.failureId,
          [DEAD_LETTER_HEADERS.valueOmitted]: String(target.value.length),
        },
      },
      how: `value stored as failed message ${stored.failureId}`,
    };
  }
  return undefined;
}

/** Whether a header value reaches every driver intact: well-formed UTF-8 text without NUL. */
function isPlainText(value: Buffer | string): boolean {
  const text = typeof value === 'string' ? value : isUtf8(value) ? value.toString('utf8') : undefined;
  return text !== undefined && !text.includes('\0') && text.isWellFormed();
}

/** The headers with every value that is not plain text as base64, and those names; `undefined` when all are. */
function encodeUnsafeHeaders(
  headers: Readonly<Record<string, Buffer | string>>,
): { headers: Record<string, string>; names: string } | undefined {
  const out: Record<string, string> = {};
  const encoded: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (isPlainText(value)) {
      out[name] = typeof value === 'string' ? value : value.toString('utf8');
    } else {
      out[name] = Buffer.from(value).toString('base64');
      encoded.push(name);
    }
  }
  if (encoded.length === 0) return undefined;
  out[DEAD_LETTER_HEADERS.encodedHeaders] = encoded.join(',');
  return { headers: out, names: encoded.join(', ') };
}

function textOf(value: Buffer | string | undefined): string | undefined {
  return value === undefined ? undefined : value.toString();
}
