import type { ConsumedRecord } from '@ordo/core';
import type Kafka from 'node-rdkafka';

/**
 * Converts node-rdkafka's message to Ordo's record, on the consume hot path: no copy
 * of key or value. Repeated header names: the last wins.
 */
export function toConsumedRecord(message: Kafka.Message): ConsumedRecord {
  const headers: Record<string, Buffer | string> = {};
  const list = message.headers;
  if (list) {
    for (let i = 0; i < list.length; i++) {
      const header = list[i]!;
      for (const name in header) headers[name] = header[name] as Buffer | string;
    }
  }
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key === undefined || key === null ? null : typeof key === 'string' ? Buffer.from(key) : key,
    value: message.value ?? null,
    headers,
    timestamp: message.timestamp ?? Date.now(),
  };
}
