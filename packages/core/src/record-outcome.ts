/**
 * What is known, after a failed send, about one of its records:
 * - `written`: the broker acknowledged it, at `partition` and `offset`; resending it
 *   would duplicate it;
 * - `not-written`: it is certainly not in the log (refused before or by the broker,
 *   or never handed to the client);
 * - `unknown`: it may be in the log (sent, then timed out or cut off by a fatal error
 *   before its acknowledgement). Resending it may duplicate it (O6: same `ordo-id`).
 */
export type RecordOutcome =
  | { readonly state: 'written'; readonly topic: string; readonly partition: number; readonly offset: number }
  | { readonly state: 'not-written' }
  | { readonly state: 'unknown' };

/** Shared outcome objects: a failed batch of 10,000 records needs no object per record. */
export const NOT_WRITTEN_OUTCOME: RecordOutcome = Object.freeze({ state: 'not-written' });
/** @see NOT_WRITTEN_OUTCOME */
export const UNKNOWN_OUTCOME: RecordOutcome = Object.freeze({ state: 'unknown' });
