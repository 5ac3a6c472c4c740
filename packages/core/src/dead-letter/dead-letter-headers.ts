import type { ConsumedRecord } from '../driver/types.js';
import type { OrdoError } from '../errors.js';

/** Why an event went to its dead-letter topic. */
export type DeadLetterReason = 'handler-error' | 'parked' | 'contract' | 'undecodable' | 'unknown-type';

/** Headers a dead letter carries besides the original ones. */
export const DEAD_LETTER_HEADERS = {
  reason: 'ordo-dl-reason',
  errorClass: 'ordo-dl-error-class',
  errorCode: 'ordo-dl-error-code',
  errorMessage: 'ordo-dl-error-message',
  errorStack: 'ordo-dl-error-stack',
  attempts: 'ordo-dl-attempts',
  originTopic: 'ordo-dl-origin-topic',
  originPartition: 'ordo-dl-origin-partition',
  originOffset: 'ordo-dl-origin-offset',
  firstFailure: 'ordo-dl-first-failure',
  group: 'ordo-dl-group',
  /** Names (comma-separated) of headers whose values are base64 of the original bytes. */
  encodedHeaders: 'ordo-dl-encoded-headers',
  /** The failed-message store's id of the original record, when the value was too large. */
  failureId: 'ordo-dl-failure-id',
  /** Size in bytes of the value left out of this dead letter (it is in the failed-message store). */
  valueOmitted: 'ordo-dl-value-omitted',
} as const;

const MAX_STACK = 2_000;
const MAX_MESSAGE = 1_000;

/** What the dead-letter headers describe. */
export interface DeadLetterFacts {
  readonly reason: DeadLetterReason;
  readonly error: OrdoError | undefined;
  readonly attempts: number;
  readonly firstFailureAt: number;
  readonly groupId: string;
}

/** The original headers plus the dead-letter ones (truncated so a record stays small). */
export function deadLetterHeaders(record: ConsumedRecord, facts: DeadLetterFacts): Record<string, Buffer | string> {
  const cause = facts.error?.cause instanceof Error ? facts.error.cause : facts.error;
  const headers: Record<string, Buffer | string> = {
    ...record.headers,
    [DEAD_LETTER_HEADERS.reason]: facts.reason,
    [DEAD_LETTER_HEADERS.attempts]: String(facts.attempts),
    [DEAD_LETTER_HEADERS.originTopic]: record.topic,
    [DEAD_LETTER_HEADERS.originPartition]: String(record.partition),
    [DEAD_LETTER_HEADERS.originOffset]: String(record.offset),
    [DEAD_LETTER_HEADERS.firstFailure]: new Date(facts.firstFailureAt).toISOString(),
    [DEAD_LETTER_HEADERS.group]: facts.groupId,
  };
  if (facts.error) {
    headers[DEAD_LETTER_HEADERS.errorClass] = cause?.name ?? facts.error.name;
    headers[DEAD_LETTER_HEADERS.errorCode] = facts.error.code;
    headers[DEAD_LETTER_HEADERS.errorMessage] = text(cause?.message ?? facts.error.message, MAX_MESSAGE);
    if (cause?.stack) headers[DEAD_LETTER_HEADERS.errorStack] = text(cause.stack, MAX_STACK);
  }
  return headers;
}

/** Header-safe text: no NUL, at most `max` characters. */
function text(value: string, max: number): string {
  const clean = value.replaceAll('\0', '');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
