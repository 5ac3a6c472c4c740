/**
 * The key as node-rdkafka must be given it to send it byte for byte. A string key
 * reaches librdkafka as a C string, which ends at the first NUL: `"a\u0000b"` would be
 * stored as `a`, on another partition than Java's client or the outbox relay (which
 * passes Buffers) picks. Such keys go as their UTF-8 bytes; every other string stays a
 * string, which costs node-rdkafka nothing extra.
 */
export function wireKey(key: string | Buffer | null): string | Buffer | null {
  return typeof key === 'string' && key.indexOf('\u0000') !== -1 ? Buffer.from(key, 'utf8') : key;
}
