import {
  DeliveryError,
  DriverError,
  NOT_WRITTEN_OUTCOME,
  NotMemberError,
  OrdoError,
  RecordTooLargeError,
  UNKNOWN_OUTCOME,
  UnknownTopicError,
  type RecordOutcome,
} from '@ordo/core';
import { librdkafkaCode } from './librdkafka-codes.js';

/** The fields node-rdkafka's `LibrdKafkaError` carries. */
interface LibrdkafkaErrorLike {
  readonly message?: string;
  readonly code?: number;
  readonly isRetriable?: boolean;
  readonly isFatal?: boolean;
  readonly origin?: string;
}

// librdkafka error codes (rdkafka.h, rd_kafka_resp_err_t) that get a specific Ordo error.
const ERR_MSG_SIZE_TOO_LARGE = 10;
const ERR_UNKNOWN_TOPIC_OR_PART = 3;
const ERR__UNKNOWN_TOPIC = -188;
const ERR__UNKNOWN_PARTITION = -190;
const ERR_UNKNOWN_MEMBER_ID = 25;
const ERR_ILLEGAL_GENERATION = 22;
const ERR_REBALANCE_IN_PROGRESS = 27;
const ERR__STATE = -172;

/**
 * Errors after which an idempotent producer client is dead: librdkafka raised (or is
 * about to raise) a fatal error, and every later produce fails with `_FATAL`. A delivery
 * report carries the underlying error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER), not `_FATAL`.
 */
const FATAL_FOR_PRODUCER = new Set([
  -150, // _FATAL
  -149, // _INCONSISTENT
  -144, // _FENCED
  45, // OUT_OF_ORDER_SEQUENCE_NUMBER
  47, // INVALID_PRODUCER_EPOCH
  90, // PRODUCER_FENCED
]);

/**
 * Delivery failures after which the record is certainly not in the log: refused before
 * it was sent, purged from the queue, or refused whole by the broker. Any other failure
 * (a timeout, a fatal error, a cut connection) may come after the broker wrote it.
 */
const NOT_WRITTEN_ON = new Set([
  2, // CORRUPT_MESSAGE
  ERR_UNKNOWN_TOPIC_OR_PART,
  ERR_MSG_SIZE_TOO_LARGE,
  18, // RECORD_LIST_TOO_LARGE
  21, // INVALID_REQUIRED_ACKS
  29, // TOPIC_AUTHORIZATION_FAILED
  87, // INVALID_RECORD
  -152, // _PURGE_QUEUE
  ERR__UNKNOWN_TOPIC,
  ERR__UNKNOWN_PARTITION,
  -186, // _INVALID_ARG
]);

/**
 * Codes librdkafka reports as retriable (or that are transient by nature): timeouts,
 * transport failures, leader changes, full queues.
 */
const TRANSIENT = new Set([
  -192, // _MSG_TIMED_OUT
  -195, // _TRANSPORT
  -187, // _ALL_BROKERS_DOWN
  -185, // _TIMED_OUT
  -184, // _QUEUE_FULL
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  7, // REQUEST_TIMED_OUT
  13, // NETWORK_EXCEPTION
  14, // COORDINATOR_LOAD_IN_PROGRESS
  15, // COORDINATOR_NOT_AVAILABLE
  16, // NOT_COORDINATOR
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  ERR_REBALANCE_IN_PROGRESS,
]);

/**
 * The error's fields, with its real librdkafka code. node-rdkafka builds delivery-report
 * and `event.error` errors from the error's text alone, so they carry code -1; the text
 * (`Local: Message timed out`) names the code, and {@link librdkafkaCode} maps it back.
 */
function fields(error: unknown): LibrdkafkaErrorLike {
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as LibrdkafkaErrorLike;
  if (e.code !== -1 && e.code !== undefined) return e;
  const code = librdkafkaCode(e.origin, e.message);
  return code === undefined ? e : { message: e.message, isRetriable: e.isRetriable, isFatal: e.isFatal, code };
}

/** The librdkafka code of an error, recovered from its text where node-rdkafka lost it. */
export function codeOf(error: unknown): number | undefined {
  return fields(error).code;
}

/** Whether librdkafka says, or the code implies, that a retry can succeed. */
export function isTransient(error: unknown): boolean {
  const e = fields(error);
  if (e.isFatal) return false;
  return e.isRetriable === true || (e.code !== undefined && TRANSIENT.has(e.code));
}

/**
 * Whether a producer client that reported this error is dead for good (a fatal
 * idempotent-producer error): it must be replaced, and what it had in flight resent.
 */
export function isFatalForProducer(error: unknown): boolean {
  const e = fields(error);
  return e.isFatal === true || (e.code !== undefined && FATAL_FOR_PRODUCER.has(e.code));
}

/** What a failed delivery report says about its record: certainly not written, or unknown. */
export function outcomeOfFailure(error: unknown): RecordOutcome {
  const code = fields(error).code;
  return code !== undefined && NOT_WRITTEN_ON.has(code) ? NOT_WRITTEN_OUTCOME : UNKNOWN_OUTCOME;
}

/** Maps a produce or delivery failure to an Ordo error. */
export function deliveryError(error: unknown, topic: string, size?: number, limit?: number): OrdoError {
  if (error instanceof OrdoError) return error;
  const e = fields(error);
  if (e.code === ERR_MSG_SIZE_TOO_LARGE && size !== undefined && limit !== undefined) {
    return new RecordTooLargeError(topic, size, limit);
  }
  if (e.code === ERR__UNKNOWN_TOPIC || e.code === ERR_UNKNOWN_TOPIC_OR_PART) return new UnknownTopicError(topic);
  // A fatal error kills the client, not the records: the driver opens a fresh client,
  // on which a resend is safe.
  return new DeliveryError(`Delivery to "${topic}" failed: ${e.message ?? 'unknown error'} (librdkafka ${e.code})`, {
    retriable: isTransient(error) || isFatalForProducer(error),
    cause: error,
  });
}

/**
 * Maps a commit failure. A fenced member gets `NotMemberError`; a stale generation or
 * a rebalance in progress is retriable: once the member has rejoined, a commit of
 * partitions it still owns succeeds.
 */
export function commitError(error: unknown, groupId: string, memberId: string): OrdoError {
  if (error instanceof OrdoError) return error;
  const e = fields(error);
  if (e.code === ERR_UNKNOWN_MEMBER_ID || e.code === ERR__STATE) return new NotMemberError(groupId, memberId);
  if (e.code === ERR_ILLEGAL_GENERATION || e.code === ERR_REBALANCE_IN_PROGRESS) {
    return new DriverError(`Commit refused during a rebalance: ${e.message ?? ''} (librdkafka ${e.code})`, {
      retriable: true,
      cause: error,
    });
  }
  return driverError(error, 'Commit');
}

/** Maps any other librdkafka failure. */
export function driverError(error: unknown, what: string): OrdoError {
  if (error instanceof OrdoError) return error;
  const e = fields(error);
  if (e.code === ERR__UNKNOWN_PARTITION) {
    return new DriverError(`${what} failed: unknown partition`, { retriable: false, cause: error });
  }
  return new DriverError(`${what} failed: ${e.message ?? 'unknown error'} (librdkafka ${e.code})`, {
    retriable: isTransient(error),
    cause: error,
  });
}
