import { HEADERS } from '../message/headers.js';
import type { OutgoingMessage } from '../message/message.js';
import type { BuiltRecord } from '../producer/build-record.js';
import type { OutboxInsert } from './outbox-dialect.js';
import { keyHash } from './outbox-tables.js';

/** The row of an encoded event: `ordo-id` and `ordo-type` are columns, the rest of the headers JSON. */
export function toInsert(built: BuiltRecord, message: OutgoingMessage): OutboxInsert {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(built.record.headers ?? {})) {
    if (name !== HEADERS.id && name !== HEADERS.type) headers[name] = String(value);
  }
  return {
    id: built.id,
    topic: message.topic,
    key: message.key,
    keyHash: keyHash(message.key),
    type: message.type,
    payload: built.record.value,
    headers: JSON.stringify(headers),
    occurredAt: message.timestamp ?? Date.now(),
  };
}
