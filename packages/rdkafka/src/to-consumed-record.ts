import type { ConsumedRecord } from '@ordo/core';
import type Kafka from 'node-rdkafka';

/** Converts node-rdkafka's message to Ordo's record. Repeated header names: the last wins. */
export function toConsumedRecord(message: Kafka.Message): ConsumedRecord {
  const headers: Record<string, Buffer | string> = {};
  for (const header of message.headers ?? []) {
    for (const [name, value] of Object.entries(header)) headers[name] = value as Buffer | string;
  }
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: message.key === undefined || message.key === null ? null : Buffer.from(message.key as Buffer | string),
    value: message.value ?? null,
    headers,
    timestamp: message.timestamp ?? Date.now(),
  };
}
