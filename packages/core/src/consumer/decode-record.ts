import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { ConsumedRecord } from '../driver/types.js';
import { HEADERS, headersFromRaw } from '../message/headers.js';
import type { Codec } from '../message/json-codec.js';
import type { ConsumedEvent } from '../message/message.js';

/**
 * Turns a record into an event: headers to strings, value through the codec, then
 * the contract if one is registered. A tombstone (null value) decodes to `null`.
 * @throws DecodeError | ContractViolationError | UnknownEventTypeError
 */
export function decodeRecord(
  record: ConsumedRecord,
  codec: Codec,
  contracts: ContractRegistry | undefined,
): ConsumedEvent {
  const headers = headersFromRaw(record.headers);
  const type = headers[HEADERS.type] ?? '';
  const value = record.value === null ? null : codec.decode(record.value);
  contracts?.validate(record.topic, type, value);
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: keyOf(record),
    type,
    value,
    headers,
    // Records from producers that set no id get a stable one from their position.
    id: headers[HEADERS.id] ?? `${record.topic}/${record.partition}/${record.offset}`,
    timestamp: record.timestamp,
  };
}

/** The record's key as a UTF-8 string, or `null`. */
export function keyOf(record: ConsumedRecord): string | null {
  return record.key === null ? null : record.key.toString('utf8');
}
