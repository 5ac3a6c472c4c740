import { DeliveryError, OrdoError, messageOf, type RecordOutcome } from '../errors.js';
import type { DeliveryReport } from '../driver/types.js';

/** A record's result, as `PublishResult` (declared here too, so producer.ts is not imported back). */
type PublishResult = DeliveryReport & { readonly id: string };

/**
 * The indexes (into the publish) of the records a failed send did not write for sure,
 * recording the written ones in `results`. `sent` maps the send's records to indexes.
 */
export function notWritten(
  error: unknown,
  sent: readonly number[],
  results: PublishResult[],
  ids: readonly string[],
): number[] {
  if (!(error instanceof DeliveryError) || error.outcomes.length !== sent.length) return [...sent];
  const left: number[] = [];
  for (let i = 0; i < sent.length; i++) {
    const outcome = error.outcomes[i]!;
    const index = sent[i]!;
    if (outcome.state === 'written') {
      results[index] = { topic: outcome.topic, partition: outcome.partition, offset: outcome.offset, id: ids[index]! };
    } else left.push(index);
  }
  return left;
}

/**
 * The final error with outcomes for every record of the publish: written ones (from any
 * attempt) and, for the rest, what the last attempt (which sent `sent`) said.
 */
export function withBatchOutcomes(
  error: OrdoError,
  sent: readonly number[],
  results: readonly PublishResult[],
): OrdoError {
  if (!(error instanceof DeliveryError)) return error;
  const last = new Map<number, RecordOutcome>(sent.map((index, i) => [index, error.outcomeOf(i)]));
  const outcomes = new Array<RecordOutcome>(results.length);
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    outcomes[i] = result
      ? { state: 'written', topic: result.topic, partition: result.partition, offset: result.offset }
      : last.get(i)!;
  }
  return new DeliveryError(error.message, { retriable: error.retriable, cause: error.cause, outcomes });
}

/** A failure of a send as the `DeliveryError` (or other Ordo error) to report. */
export function asDeliveryError(error: unknown, attempts: number): OrdoError {
  if (error instanceof OrdoError) return error;
  return new DeliveryError(`Delivery failed after ${attempts} attempt(s): ${messageOf(error)}`, {
    retriable: true,
    cause: error,
  });
}
