import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { ConsumedRecord } from '../driver/types.js';
import { HandlerError, OrdoError, UnknownEventTypeError, isRetriable, messageOf } from '../errors.js';
import type { RetryPolicy } from '../internal/retry-policy.js';
import type { Codec } from '../message/json-codec.js';
import type { ConsumedEvent } from '../message/message.js';
import { decodeRecord } from './decode-record.js';
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
 * Tries a record once: decode, pick the handler, run it, and decide from the error
 * and the retry policy what happens next. Never throws.
 */
export async function runAttempt(
  record: ConsumedRecord,
  attempt: number,
  signal: AbortSignal,
  deps: AttemptDeps,
): Promise<AttemptOutcome> {
  let event: ConsumedEvent;
  try {
    event = decodeRecord(record, deps.codec, deps.contracts);
  } catch (error) {
    return { kind: 'failed', error: asOrdoError(error) };
  }
  const handler = deps.handlers.get(event.topic, event.type);
  if (!handler) {
    if (deps.onUnknownType === 'skip') return { kind: 'skipped', reason: `no handler for type "${event.type}"` };
    const known = deps.handlers.types(event.topic);
    return { kind: 'failed', error: new UnknownEventTypeError(event.topic, event.type || '(none)', known) };
  }
  const started = performance.now();
  try {
    await handler(event, { attempt, groupId: deps.groupId, signal });
    return { kind: 'handled', event, durationMs: performance.now() - started };
  } catch (error) {
    if (deps.retry.shouldRetry(error, attempt)) {
      return { kind: 'retry', error, delayMs: deps.retry.delayMs(attempt) };
    }
    return { kind: 'failed', error: asOrdoError(error) };
  }
}

function asOrdoError(error: unknown): OrdoError {
  if (error instanceof OrdoError) return error;
  return new HandlerError(`Handler failed: ${messageOf(error)}`, { retriable: isRetriable(error), cause: error });
}
