import {
  DeliveryError,
  DriverError,
  NotMemberError,
  OrdoError,
  RecordTooLargeError,
  UnknownTopicError,
} from '@ordo/core';

/** The fields node-rdkafka's `LibrdKafkaError` carries. */
interface LibrdkafkaErrorLike {
  readonly message?: string;
  readonly code?: number;
  readonly isRetriable?: boolean;
  readonly isFatal?: boolean;
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

function fields(error: unknown): LibrdkafkaErrorLike {
  return typeof error === 'object' && error !== null ? (error as LibrdkafkaErrorLike) : { message: String(error) };
}

/** Whether librdkafka says, or the code implies, that a retry can succeed. */
export function isTransient(error: unknown): boolean {
  const e = fields(error);
  if (e.isFatal) return false;
  return e.isRetriable === true || (e.code !== undefined && TRANSIENT.has(e.code));
}

/** Maps a produce or delivery failure to an Ordo error. */
export function deliveryError(error: unknown, topic: string, size?: number, limit?: number): OrdoError {
  if (error instanceof OrdoError) return error;
  const e = fields(error);
  if (e.code === ERR_MSG_SIZE_TOO_LARGE && size !== undefined && limit !== undefined) {
    return new RecordTooLargeError(topic, size, limit);
  }
  if (e.code === ERR__UNKNOWN_TOPIC || e.code === ERR_UNKNOWN_TOPIC_OR_PART) return new UnknownTopicError(topic);
  return new DeliveryError(`Delivery to "${topic}" failed: ${e.message ?? 'unknown error'} (librdkafka ${e.code})`, {
    retriable: isTransient(error),
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
