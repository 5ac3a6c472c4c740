import { isUtf8 } from 'node:buffer';
import { InvalidMessageError, type RawHeaders } from '@ordo/core';
import type Kafka from 'node-rdkafka';

/**
 * node-rdkafka passes header values through a C string: NUL ends them and non-UTF-8
 * bytes are replaced. Such values are refused here instead of arriving mangled.
 */
export function toHeaders(headers: RawHeaders | undefined): Kafka.MessageHeader[] | undefined {
  if (!headers) return undefined;
  const out: Kafka.MessageHeader[] = [];
  for (const name in headers) {
    const value = headers[name]!;
    const repeated = typeof value === 'string' ? REPEATED.get(name) : undefined;
    const known = repeated?.get(value as string);
    out.push(known ?? header(name, checkedText(name, value), repeated));
  }
  return out.length === 0 ? undefined : out;
}

function checkedText(name: string, value: Buffer | string): string {
  const text = typeof value === 'string' ? value : isUtf8(value) ? value.toString('utf8') : undefined;
  if (text === undefined || text.includes('\0') || !text.isWellFormed()) {
    throw new InvalidMessageError(
      `Header "${name}" must be UTF-8 text without NUL bytes: node-rdkafka cannot carry other values intact`,
    );
  }
  return text;
}

/** Distinct values of a repeated header kept; past this, new values are not kept. */
const REPEATED_KEPT = 256;

/**
 * Headers whose values repeat from record to record (one event type for many events,
 * one content type): each distinct value gets one header object, checked once and
 * handed to node-rdkafka for every record that carries it, which only reads it.
 */
const REPEATED = new Map<string, Map<string, Kafka.MessageHeader>>([
  ['ordo-type', new Map()],
  ['content-type', new Map()],
]);

/**
 * One node-rdkafka header. Ordo's own names get literals with constant keys, created
 * from a template; other names are assigned (a computed literal `{ [name]: text }` is
 * slower still). Three headers go out with every record.
 */
function header(
  name: string,
  text: string,
  repeated: Map<string, Kafka.MessageHeader> | undefined,
): Kafka.MessageHeader {
  let h: Kafka.MessageHeader;
  switch (name) {
    case 'ordo-id':
      return { 'ordo-id': text };
    case 'ordo-type':
      h = { 'ordo-type': text };
      break;
    case 'content-type':
      h = { 'content-type': text };
      break;
    default:
      h = {};
      h[name] = text;
  }
  if (repeated && repeated.size < REPEATED_KEPT) repeated.set(text, Object.freeze(h));
  return h;
}
