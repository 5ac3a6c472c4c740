import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { ConsumedRecord } from '../driver/types.js';
import { HandlerError, OrdoError, UnknownEventTypeError, isRetriable, messageOf } from '../errors.js';
import type { RetryPolicy } from '../internal/retry-policy.js';
import type { Codec } from '../message/json-codec.js';
import type { ConsumedEvent } from '../message/message.js';
import { LazyConsumedEvent } from './consumed-event.js';
import type { HandlerRegistry } from './handler-registry.js';

/** What one try of a record came to. */
export type AttemptOutcome =
  | { readonly kind: 'handled'; readonly event: ConsumedEvent; readonly durationMs: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'retry'; readonly error: unknown; readonly delayMs: number }
  | { readonly kind: 'failed'; readonly error: OrdoError };

/** What a try needs; fixed for the consumer's life. */
export interface AttemptDeps {
  readonly groupId: string;
  readonly codec: Codec;
  readonly contracts: ContractRegistry | undefined;
  readonly handlers: HandlerRegistry;
  readonly onUnknownType: 'fail' | 'skip';
  readonly retry: RetryPolicy;
}

/**
 * Tries a record once: pick the handler by type, check the contract, run the handler,
 * and decide from the error and the retry policy what happens next. Never throws.
 *
 * This is the hot path. A handler that returns synchronously settles synchronously
 * (no promise, no microtask), and the value is decoded only if a contract or the
 * handler reads it.
 *
 * @param timed whether to measure the handler's duration (only when someone listens)
 */
export function runAttempt(
  record: ConsumedRecord,
  attempt: number,
  signal: AbortSignal,
  deps: AttemptDeps,
  timed: boolean,
): AttemptOutcome | Promise<AttemptOutcome> {
  const event = new LazyConsumedEvent(record, deps.codec);
  const handler = deps.handlers.get(event.topic, event.type);
  if (!handler) {
    if (deps.onUnknownType === 'skip') return { kind: 'skipped', reason: `no handler for type "${event.type}"` };
    const known = deps.handlers.types(event.topic);
    return { kind: 'failed', error: new UnknownEventTypeError(event.topic, event.type || '(none)', known) };
  }
  const started = timed ? performance.now() : 0;
  let result: unknown;
  try {
    if (deps.contracts?.has(event.topic)) deps.contracts.validate(event.topic, event.type, event.value);
    result = handler(event, { attempt, groupId: deps.groupId, signal });
  } catch (error) {
    return afterError(error, attempt, deps.retry);
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      (): AttemptOutcome => handled(event, started, timed),
      (error: unknown) => afterError(error, attempt, deps.retry),
    );
  }
  return handled(event, started, timed);
}

function handled(event: ConsumedEvent, started: number, timed: boolean): AttemptOutcome {
  return { kind: 'handled', event, durationMs: timed ? performance.now() - started : 0 };
}

function afterError(error: unknown, attempt: number, retry: RetryPolicy): AttemptOutcome {
  if (retry.shouldRetry(error, attempt)) return { kind: 'retry', error, delayMs: retry.delayMs(attempt) };
  return { kind: 'failed', error: asOrdoError(error) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function asOrdoError(error: unknown): OrdoError {
  if (error instanceof OrdoError) return error;
  return new HandlerError(`Handler failed: ${messageOf(error)}`, { retriable: isRetriable(error), cause: error });
}
