import { InvalidConfigError, type RetryConfig } from '@ordo/core';
import type { DeadLetterOverride, DeadLetterOverrides } from './config.js';
import { deadLetterDeclarationOf } from './decorators.js';
import { nameOf, type HandlerClass } from './handler-class.js';
import { mergeRetry } from './retry-merge.js';

/** One source of overrides, with the name errors give it. */
export interface OverrideLayer {
  readonly source: string;
  readonly overrides: DeadLetterOverrides;
}

/** The effective override of one topic after every layer. */
export interface MergedOverride {
  /** Handles every type without a handler in `handlers`. */
  readonly handler: HandlerClass | undefined;
  readonly handlers: ReadonlyMap<string, HandlerClass>;
  /** Only what the layers set; the global retry is merged under it by the caller. */
  readonly retry: RetryConfig | undefined;
}

const KNOWN_FIELDS = new Set(['handler', 'handlers', 'retry']);

/**
 * Merges override layers in order, later winning: per topic, a later `handler` (all
 * types) replaces every earlier handler of the topic, a later `handlers` entry replaces
 * the earlier one of its type, `retry` merges field by field. Throws
 * `InvalidConfigError` for a topic nobody consumes, a malformed entry, or a
 * `@DeadLetterHandler` class used for another topic or type.
 */
export function mergeOverrideLayers(
  layers: readonly OverrideLayer[],
  consumed: ReadonlySet<string>,
): Map<string, MergedOverride> {
  const merged = new Map<
    string,
    { handler?: HandlerClass; handlers: Map<string, HandlerClass>; retry?: RetryConfig }
  >();
  for (const { source, overrides } of layers) {
    if (typeof overrides !== 'object' || overrides === null) {
      throw new InvalidConfigError(source, 'must be an object of overrides by topic');
    }
    for (const [topic, override] of Object.entries(overrides)) {
      const field = `${source}.${topic}`;
      if (!consumed.has(topic)) {
        const list = consumed.size > 0 ? [...consumed].join(', ') : 'none';
        throw new InvalidConfigError(
          field,
          `overrides topic "${topic}", which no @EventHandler consumes (consumed: ${list})`,
        );
      }
      const { catchAll, perType } = normalize(topic, override, field);
      const current = merged.get(topic) ?? { handlers: new Map<string, HandlerClass>() };
      if (catchAll) {
        current.handler = catchAll;
        current.handlers.clear();
      }
      for (const [type, cls] of perType) current.handlers.set(type, cls);
      current.retry = mergeRetry(current.retry, override.retry);
      merged.set(topic, current);
    }
  }
  return new Map(
    [...merged].map(([topic, m]) => [topic, { handler: m.handler, handlers: m.handlers, retry: m.retry }]),
  );
}

/** One layer's entry as a catch-all plus per-type handlers; per-type entries win within the layer. */
function normalize(topic: string, override: DeadLetterOverride, field: string) {
  if (typeof override !== 'object' || override === null) {
    throw new InvalidConfigError(field, 'must be an object with handler, handlers or retry');
  }
  for (const key of Object.keys(override)) {
    if (!KNOWN_FIELDS.has(key)) throw new InvalidConfigError(`${field}.${key}`, 'is not handler, handlers or retry');
  }
  let catchAll: HandlerClass | undefined;
  const perType = new Map<string, HandlerClass>();
  if (override.handler !== undefined) {
    const type = checkClass(override.handler, topic, undefined, `${field}.handler`);
    if (type === undefined) catchAll = override.handler;
    else perType.set(type, override.handler);
  }
  for (const [type, cls] of Object.entries(override.handlers ?? {})) {
    checkClass(cls, topic, type, `${field}.handlers.${type}`);
    perType.set(type, cls);
  }
  return { catchAll, perType };
}

/** Checks a handler class against what its `@DeadLetterHandler` declares; returns the declared type. */
function checkClass(cls: unknown, topic: string, type: string | undefined, field: string): string | undefined {
  const prototype = (cls as { prototype?: { handle?: unknown } } | undefined)?.prototype;
  if (typeof cls !== 'function' || typeof prototype?.handle !== 'function') {
    throw new InvalidConfigError(field, 'must be a class with a handle(event, ctx) method');
  }
  const declared = deadLetterDeclarationOf(cls);
  if (declared && declared.topic !== topic) {
    throw new InvalidConfigError(field, `${nameOf(cls)} is a @DeadLetterHandler for topic "${declared.topic}"`);
  }
  if (declared?.type !== undefined && type !== undefined && declared.type !== type) {
    throw new InvalidConfigError(field, `${nameOf(cls)} is a @DeadLetterHandler for type "${declared.type}"`);
  }
  return declared?.type;
}
