import type { ConsumedRecord, RawHeaders } from '@ordo/core';
import type Kafka from 'node-rdkafka';

/**
 * Converts node-rdkafka's message to Ordo's record, on the consume hot path: no copy
 * of key or value. Repeated header names: the last wins.
 *
 * @param topic the message's topic, as a string the caller already holds: node-rdkafka
 *   makes a new string per message, and every map lookup by topic downstream would
 *   hash it again
 */
export function toConsumedRecord(message: Kafka.Message, topic: string = message.topic): ConsumedRecord {
  const list = message.headers;
  const key = message.key;
  return {
    topic,
    partition: message.partition,
    offset: message.offset,
    key: key === undefined || key === null ? null : typeof key === 'string' ? Buffer.from(key) : key,
    value: message.value ?? null,
    headers: list ? (ordoHeaders(list) ?? headerObject(list)) : {},
    timestamp: message.timestamp ?? Date.now(),
  };
}

/**
 * The headers an Ordo producer writes when the caller adds none, in the order it
 * writes them, built as one literal. node-rdkafka gives each header as an object of
 * its own with that one name, so three lookups by constant name recognise them; this
 * is several times cheaper than the general loop below, and it is most records.
 */
function ordoHeaders(list: Kafka.MessageHeader[]): RawHeaders | undefined {
  if (list.length !== 3) return undefined;
  const id = list[0]!['ordo-id'];
  const type = list[1]!['ordo-type'];
  const contentType = list[2]!['content-type'];
  if (id === undefined || type === undefined || contentType === undefined) return undefined;
  return { 'ordo-id': id, 'ordo-type': type, 'content-type': contentType };
}

function headerObject(list: Kafka.MessageHeader[]): RawHeaders {
  const headers: Record<string, Buffer | string> = {};
  for (let i = 0; i < list.length; i++) {
    const header = list[i]!;
    for (const name in header) headers[name] = header[name] as Buffer | string;
  }
  return headers;
}
