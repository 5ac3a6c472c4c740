import type { ProducerRecord } from './types.js';

/** Bytes a record takes, counted as Kafka counts its size limit: key, value and headers. */
export function recordSize(record: ProducerRecord): number {
  const key = record.key;
  let size = (typeof key === 'string' ? Buffer.byteLength(key) : (key?.length ?? 0)) + (record.value?.length ?? 0);
  const headers = record.headers;
  if (headers) {
    for (const name in headers) {
      const value = headers[name]!;
      size += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : value.length);
    }
  }
  return size;
}
