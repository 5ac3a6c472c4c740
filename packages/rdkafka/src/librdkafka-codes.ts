import { createRequire } from 'node:module';
import Kafka from 'node-rdkafka';

/** The part of node-rdkafka's native binding used here (not in its typings). */
interface NativeBinding {
  err2str(code: number): string;
}

/**
 * librdkafka error codes by the text node-rdkafka keeps of them. node-rdkafka turns a
 * delivery-report or `event.error` error into `new Error(err2str(code))` and then into a
 * `LibrdKafkaError` with code -1, an `origin` (`local`, `broker`) and the lowercased
 * rest of the text. Built once from librdkafka's own `err2str`, so it matches the
 * linked version exactly; err2str texts are unique per code.
 */
const codesByText: ReadonlyMap<string, number> = buildTable();

function buildTable(): Map<string, number> {
  const table = new Map<string, number>();
  let binding: NativeBinding;
  try {
    // The binding node-rdkafka itself loads; its public API does not export err2str.
    binding = createRequire(import.meta.url)('node-rdkafka/librdkafka') as NativeBinding;
  } catch {
    return table;
  }
  for (const code of Object.values(Kafka.CODES.ERRORS as Record<string, number>)) {
    const { origin, message } = asNodeRdkafkaKeepsIt(binding.err2str(code));
    table.set(textKey(origin, message), code);
  }
  return table;
}

/** The `origin` and `message` node-rdkafka's LibrdKafkaError derives from an error text. */
function asNodeRdkafkaKeepsIt(text: string): { origin: string; message: string } {
  const parts = text.split(': ');
  return parts.length > 1
    ? { origin: parts[0]!.toLowerCase(), message: parts[1]!.toLowerCase() }
    : { origin: 'unknown', message: text.toLowerCase() };
}

function textKey(origin: string, message: string): string {
  return `${origin}\u0000${message}`;
}

/** The librdkafka code an error of this origin and message stands for; `undefined` if none. */
export function librdkafkaCode(origin: string | undefined, message: string | undefined): number | undefined {
  if (origin === undefined || message === undefined) return undefined;
  return codesByText.get(textKey(origin, message));
}
