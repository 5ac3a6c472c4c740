import type { ERROR_CODES } from './error-codes.js';
import { UNKNOWN_OUTCOME, type RecordOutcome } from './record-outcome.js';

export { ERROR_CODES } from './error-codes.js';
export { NOT_WRITTEN_OUTCOME, UNKNOWN_OUTCOME, type RecordOutcome } from './record-outcome.js';

/**
 * Every error Ordo throws or reports is an {@link OrdoError}: a stable `code` to
 * match on (documented in docs/errors.md), a `retriable` flag that tells the retry
 * policy and the operator whether trying again can help, and the original `cause`.
 */
export abstract class OrdoError extends Error {
  /** Stable machine-readable code, e.g. `ORDO_CONTRACT_VIOLATION`. */
  abstract readonly code: OrdoErrorCode;
  /** Whether the same operation may succeed if tried again unchanged. */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
  }
}

/** A code from {@link ERROR_CODES}. */
export type OrdoErrorCode = (typeof ERROR_CODES)[number];

/** A configuration value is missing, out of range or of the wrong type. */
export class InvalidConfigError extends OrdoError {
  readonly code = 'ORDO_INVALID_CONFIG';
  /** Dotted path of the offending field, e.g. `retry.attempts`. */
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`Invalid configuration "${field}": ${problem}`);
    this.field = field;
  }
}

/** A value could not be serialized (circular structure, BigInt, ...). Nothing was sent. */
export class EncodeError extends OrdoError {
  readonly code = 'ORDO_ENCODE_FAILED';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** A consumed record's bytes are not what its codec expects (e.g. not valid JSON). */
export class DecodeError extends OrdoError {
  readonly code = 'ORDO_DECODE_FAILED';
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** One JSON Schema violation, located by a JSON Pointer into the value. */
export interface ContractViolation {
  /** JSON Pointer of the offending value; `''` is the value itself. */
  readonly path: string;
  /** What the schema expected there. */
  readonly message: string;
}

/** A value breaks the JSON Schema declared for its topic and event type. */
export class ContractViolationError extends OrdoError {
  readonly code = 'ORDO_CONTRACT_VIOLATION';
  readonly topic: string;
  readonly type: string;
  /** Every violation, not just the first. */
  readonly violations: readonly ContractViolation[];
  constructor(topic: string, type: string, violations: readonly ContractViolation[]) {
    const list = violations.map((v) => `${v.path || '/'} ${v.message}`).join('; ');
    super(`Event "${type}" on topic "${topic}" breaks its contract: ${list}`);
    this.topic = topic;
    this.type = type;
    this.violations = violations;
  }
}

/** A schema given to the contract registry is not a valid JSON Schema. */
export class InvalidSchemaError extends OrdoError {
  readonly code = 'ORDO_INVALID_SCHEMA';
  constructor(topic: string, type: string, cause: unknown) {
    super(`Schema for "${type}" on topic "${topic}" does not compile: ${messageOf(cause)}`, {
      cause,
    });
  }
}

/** An event type that the topic's contracts (producer) or handlers (consumer) do not know. */
export class UnknownEventTypeError extends OrdoError {
  readonly code = 'ORDO_UNKNOWN_EVENT_TYPE';
  readonly topic: string;
  readonly type: string;
  constructor(topic: string, type: string, known: readonly string[] = []) {
    const hint = known.length > 0 ? ` (known: ${known.join(', ')})` : '';
    super(`Unknown event type "${type}" on topic "${topic}"${hint}`);
    this.topic = topic;
    this.type = type;
  }
}

/** A keyless message was published to a topic declared keyed: it would lose its order. */
export class MissingKeyError extends OrdoError {
  readonly code = 'ORDO_MISSING_KEY';
  constructor(topic: string) {
    super(`Topic "${topic}" is declared keyed: every message needs a non-empty key`);
  }
}

/** A message is malformed before it reaches a codec (bad topic, type or header). */
export class InvalidMessageError extends OrdoError {
  readonly code = 'ORDO_INVALID_MESSAGE';
  constructor(message: string) {
    super(message);
  }
}

/** An encoded record exceeds the configured maximum size. Nothing was sent. */
export class RecordTooLargeError extends OrdoError {
  readonly code = 'ORDO_RECORD_TOO_LARGE';
  readonly bytes: number;
  readonly limit: number;
  constructor(topic: string, bytes: number, limit: number) {
    super(`Record for topic "${topic}" is ${bytes} bytes, over the limit of ${limit}`);
    this.bytes = bytes;
    this.limit = limit;
  }
}

/** The topic does not exist and the driver will not create it. */
export class UnknownTopicError extends OrdoError {
  readonly code = 'ORDO_UNKNOWN_TOPIC';
  constructor(topic: string) {
    super(`Topic "${topic}" does not exist`);
  }
}

/** Options of a {@link DeliveryError}. */
export interface DeliveryErrorOptions {
  readonly retriable: boolean;
  readonly cause?: unknown;
  /** @default [] */
  readonly failureIds?: readonly string[];
  /** @default [] (nothing known: every record counts as `unknown`) */
  readonly outcomes?: readonly RecordOutcome[];
}

/**
 * The broker did not acknowledge every record of a send. `retriable` says whether
 * resending may work; `outcomes` says, record by record, what did happen.
 */
export class DeliveryError extends OrdoError {
  readonly code = 'ORDO_DELIVERY_FAILED';
  /** Ids in the producer's failed-message store, when one is configured and kept the records. */
  readonly failureIds: readonly string[];
  /**
   * One outcome per record of the failed send, in the order the records were given, as
   * the driver knows them: a batch often fails with most of its records written. Empty
   * when the failure is not about a known list of records; then each is `unknown`.
   */
  readonly outcomes: readonly RecordOutcome[];
  constructor(message: string, options: DeliveryErrorOptions) {
    super(message, options);
    this.failureIds = options.failureIds ?? [];
    this.outcomes = options.outcomes ?? [];
  }

  /** The outcome of record `index` of the send; `unknown` where the driver did not say. */
  outcomeOf(index: number): RecordOutcome {
    return this.outcomes[index] ?? UNKNOWN_OUTCOME;
  }
}

/** A driver operation failed for a reason that is not a delivery (connect, fetch, admin). */
export class DriverError extends OrdoError {
  readonly code = 'ORDO_DRIVER_ERROR';
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The consumer is no longer a member of its group (it was fenced, crashed or left):
 * its commits are refused so that it cannot overwrite the new owner's progress.
 */
export class NotMemberError extends OrdoError {
  readonly code = 'ORDO_NOT_MEMBER';
  constructor(groupId: string, memberId: string) {
    super(`Member "${memberId}" is not in group "${groupId}" any more`);
  }
}

/** An operation was called in a lifecycle state that does not allow it. */
export class InvalidStateError extends OrdoError {
  readonly code = 'ORDO_INVALID_STATE';
  constructor(message: string) {
    super(message);
  }
}

/** A second handler was registered for the same topic and event type. */
export class DuplicateHandlerError extends OrdoError {
  readonly code = 'ORDO_DUPLICATE_HANDLER';
  constructor(topic: string, type: string) {
    super(`A handler for "${type}" on topic "${topic}" is already registered`);
  }
}

/** A handler threw; wraps the thrown value so that a non-Error throw is still an Error. */
export class HandlerError extends OrdoError {
  readonly code = 'ORDO_HANDLER_FAILED';
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options);
  }
}

/** An operation did not finish within its deadline. */
export class TimeoutError extends OrdoError {
  readonly code = 'ORDO_TIMEOUT';
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`, { retriable: true });
  }
}

/** An operator replay that would repeat a replay, or land behind a parked key, without `force`. */
export class ReplayRefusedError extends OrdoError {
  readonly code = 'ORDO_REPLAY_REFUSED';
  constructor(message: string) {
    super(message);
  }
}

/**
 * A database statement of the outbox, its relay, the inbox or a SQL store failed: the
 * connection dropped, a lock wait timed out, a deadlock was broken. Nothing is lost:
 * the transaction rolled back, or the relay repeats its batch.
 */
export class DatabaseError extends OrdoError {
  readonly code = 'ORDO_DATABASE_ERROR';
  constructor(message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, { retriable: options.retriable ?? true, cause: options.cause });
  }
}

/** An operator command named a failed message that does not exist (or was deleted). */
export class FailedMessageNotFoundError extends OrdoError {
  readonly code = 'ORDO_FAILED_MESSAGE_NOT_FOUND';
  constructor(failureId: string) {
    super(`No failed message with id "${failureId}"`);
  }
}

/**
 * A dead letter could not be written as it was: `cause` says why (a header node-rdkafka
 * cannot carry, a record over the producer's limit, a broker that does not answer).
 * Reported as the consumer's `error` event, with the source record's coordinates here;
 * the write is retried with backoff (or in a form set aside, see docs/dead-letters.md)
 * and the partition commits nothing past the record meanwhile (O2). `retriable` false
 * means nothing durable could take the record: an operator must act.
 */
export class DeadLetterWriteError extends OrdoError {
  readonly code = 'ORDO_DEAD_LETTER_WRITE_FAILED';
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  constructor(
    message: string,
    record: { readonly topic: string; readonly partition: number; readonly offset: number },
    options: { retriable: boolean; cause: unknown },
  ) {
    super(message, options);
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
  }
}

/**
 * Whether an error may go away on a retry. Ordo's own errors say so themselves;
 * anything else (a handler's database error, a TypeError) is presumed transient,
 * because the retry policy bounds the cost of being wrong.
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof OrdoError ? error.retriable : true;
}

/** The message of anything thrown, for logs and error chains. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
