import { DatabaseError, OrdoError, messageOf } from '../errors.js';
import { sleep } from '../internal/sleep.js';

/** First wait between tries on the dead-letter path; doubles up to {@link MAX_DELAY_MS}. */
export const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/** What {@link retryUntilDone} resolves with when its signal aborted before the step succeeded. */
export const ABORTED: unique symbol = Symbol('aborted');

/** Options of {@link retryUntilDone}. */
export interface UntilDoneOptions {
  /** What the step does, for the reported error's message: `Parking the key`. */
  readonly what: string;
  /** Ends the retries (the partition was lost, or the consumer stops past its deadline). */
  readonly signal: AbortSignal;
  /** Told of every failure, before the wait that follows it. */
  readonly report: (error: OrdoError, delayMs: number) => void;
}

/**
 * Retries a step of the dead-letter path that failed (`failed`) until it succeeds: a
 * parking-lot statement. Every failure is reported (an `error` event for the operator,
 * never only a log line) and followed by a backoff from 100 ms to 5 s. The step is
 * never given up while the signal holds: giving up would skip a dead letter (O2) or let
 * a parked key's later events overtake it (O1), so only the failing record's lane waits.
 * The first try is the caller's own plain call, which costs nothing extra.
 */
export async function retryUntilDone<T>(
  step: () => Promise<T>,
  failed: unknown,
  options: UntilDoneOptions,
): Promise<T | typeof ABORTED> {
  let error = failed;
  for (let delay = FIRST_DELAY_MS; ; delay = nextDelay(delay)) {
    options.report(asStepError(error, options.what), delay);
    await sleep(delay, options.signal);
    if (options.signal.aborted) return ABORTED;
    try {
      return await step();
    } catch (next) {
      error = next;
    }
  }
}

/** The wait after `delay`: doubled, at most 5 s. */
export function nextDelay(delay: number): number {
  return Math.min(delay * 2, MAX_DELAY_MS);
}

/**
 * Ordo's errors as they are. Anything else comes from a store's client library (pg's
 * `Connection terminated unexpectedly`): a `DatabaseError`, presumed transient.
 */
export function asStepError(error: unknown, what: string): OrdoError {
  if (error instanceof OrdoError) return error;
  return new DatabaseError(`${what} failed: ${messageOf(error)}`, { cause: error });
}
