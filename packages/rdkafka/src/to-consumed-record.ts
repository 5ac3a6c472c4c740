import type { ConsumedRecord, RawHeaders } from '@ordo/core';
import type Kafka from 'node-rdkafka';

/**
 * Converts node-rdkafka's message to Ordo's record, on the consume hot path. Small
 * keys, values and header values are copied into Node's shared Buffer pool (see
 * {@link pooled}); larger ones are kept as node-rdkafka made them. Repeated header
 * names: the last wins.
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
    key: key === undefined || key === null ? null : typeof key === 'string' ? Buffer.from(key) : pooled(key),
    value: message.value ? pooled(message.value) : null,
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
  return { 'ordo-id': pooled(id), 'ordo-type': pooled(type), 'content-type': pooled(contentType) };
}

function headerObject(list: Kafka.MessageHeader[]): RawHeaders {
  const headers: Record<string, Buffer | string> = {};
  for (let i = 0; i < list.length; i++) {
    const header = list[i]!;
    for (const name in header) headers[name] = pooled(header[name] as Buffer | string);
  }
  return headers;
}

/** Below this length `Buffer.from` copies into Node's shared pool instead of allocating (Node's own rule). */
const POOLED_BELOW = Buffer.poolSize >>> 1;

/**
 * A small Buffer copied into Node's shared 8 KiB pool, where it is a view like any
 * other; a larger one (or a string) as it is. node-rdkafka gives every key, value and
 * header value a backing store of its own: a native allocation with about 200 bytes of
 * bookkeeping outside the JavaScript heap, more than a 90-byte record's data, freed
 * only when the Buffer is collected. A record the engine buffers lives long enough to
 * reach V8's old generation, where dead ones wait for a full collection; with three
 * such Buffers per record, that backlog of garbage was most of a draining consumer's
 * growth (over 100 MB of malloc on a 1,000,000-record backlog). Copied, node-rdkafka's
 * Buffers die young and the record's views share one pool chunk per some 80 records.
 * The copy costs about 50 ns per Buffer.
 */
function pooled<T extends Buffer | string>(data: T): T {
  return typeof data !== 'string' && data.length < POOLED_BELOW ? (Buffer.from(data) as T) : data;
}
