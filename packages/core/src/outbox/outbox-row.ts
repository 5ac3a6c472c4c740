import { InvalidMessageError } from '../errors.js';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Refuses what the outbox's columns cannot hold as given, and returns the message as
 * the database will give it back (a caller's uuid in lower case).
 * @throws InvalidMessageError
 */
export function checkForColumns<V>(message: OutgoingMessage<V>): OutgoingMessage<V> {
  if (message.key !== null && message.key.includes('\u0000')) {
    // Keys are stored as text, and PostgreSQL text cannot hold NUL: refused on every
    // engine alike, so a service keeps its keys when it moves between databases.
    throw new InvalidMessageError(
      `message.key holds a NUL character, which the outbox's text key column cannot store (topic "${message.topic}"); publish it with createProducer instead`,
    );
  }
  if (message.id === undefined) return message;
  if (!UUID.test(message.id)) {
    throw new InvalidMessageError(
      `message.id must be a UUID for the outbox's id column, got ${JSON.stringify(message.id)}`,
    );
  }
  return { ...message, id: message.id.toLowerCase() };
}
