import { randomUUID } from 'node:crypto';
import type { Headers } from '../../message/headers.js';

/** Where a failed message came from. */
export type FailedOrigin =
  /** `outbox.write` quarantined it: it broke its contract. */
  | 'outbox'
  /** The relay could not publish an outbox row (too large, topic refused, ...). */
  | 'relay'
  /** A direct `producer.publish` failed after its retries (broker unreachable). */
  | 'publish'
  /** A dead letter too large for its topic; a dead letter without the value refers to it. */
  | 'dead-letter';

/** `failed` waits for an operator; `republished` was retried successfully and is kept for audit. */
export type FailedStatus = 'failed' | 'republished';

/** A message that could not be published, with everything needed to publish it later. */
export interface FailedMessage {
  /** Id of this failure record. */
  readonly failureId: string;
  /** The event's `ordo-id`; kept when it is republished, so consumers can dedupe (O6). */
  readonly messageId: string;
  readonly origin: FailedOrigin;
  readonly topic: string;
  readonly key: string | null;
  readonly type: string;
  /** The encoded value, exactly as it would have been sent. */
  readonly payload: Buffer | null;
  /** Headers besides `ordo-id` and `ordo-type`. */
  readonly headers: Headers;
  /** Event time, epoch milliseconds. */
  readonly occurredAt: number;
  /** Why it failed, most recent reason. */
  readonly error: string;
  /** Failed publish attempts so far, the first included. */
  readonly attempts: number;
  readonly status: FailedStatus;
  readonly failedAt: Date;
  readonly updatedAt: Date;
}

/** A failure to record. */
export type NewFailedMessage = Omit<FailedMessage, 'failureId' | 'status' | 'failedAt' | 'updatedAt' | 'attempts'> & {
  readonly attempts?: number;
};

/** What an operator may change on a failed message. */
export type FailedMessagePatch = Partial<
  Pick<FailedMessage, 'topic' | 'key' | 'type' | 'payload' | 'headers' | 'error' | 'attempts' | 'status'>
>;

/** Filters of {@link FailedMessageStore.list}. */
export interface FailedMessageFilter {
  /** @default 'failed' */
  readonly status?: FailedStatus | 'all';
  readonly topic?: string;
  readonly origin?: FailedOrigin;
  /** @default 100 */
  readonly limit?: number;
}

/**
 * Where failed messages wait for an operator: a SQL table ({@link SqlFailedMessageStore})
 * or, for a service without a database, an fsynced NDJSON file ({@link NdjsonFailedMessageStore}).
 */
export interface FailedMessageStore {
  /** Records a failure durably before resolving. */
  add(entry: NewFailedMessage): Promise<FailedMessage>;
  /** Oldest first. */
  list(filter?: FailedMessageFilter): Promise<FailedMessage[]>;
  get(failureId: string): Promise<FailedMessage | undefined>;
  /** @throws FailedMessageNotFoundError */
  update(failureId: string, patch: FailedMessagePatch): Promise<FailedMessage>;
  /** True when it existed. */
  delete(failureId: string): Promise<boolean>;
}

/** A failure as first recorded: a new id, one attempt, status `failed`, timestamps now. */
export function newFailedMessage(entry: NewFailedMessage): FailedMessage {
  const now = new Date();
  return {
    ...entry,
    failureId: randomUUID(),
    attempts: entry.attempts ?? 1,
    status: 'failed',
    failedAt: now,
    updatedAt: now,
  };
}
