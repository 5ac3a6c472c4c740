import type { ContractRegistry } from '../../contracts/contract-registry.js';
import {
  FailedMessageNotFoundError,
  InvalidConfigError,
  InvalidStateError,
  ReplayRefusedError,
  messageOf,
} from '../../errors.js';
import type { Headers } from '../../message/headers.js';
import { jsonCodec, type Codec } from '../../message/json-codec.js';
import type { OutgoingMessage } from '../../message/message.js';
import { checkMessage } from '../../producer/build-record.js';
import type { Producer } from '../../producer/producer.js';
import { inTransaction, type SqlDatabase } from '../../sql/database.js';
import { asDatabaseError } from '../../sql/as-database-error.js';
import { rowsAheadOfHold } from '../key-holds.js';
import type { Outbox } from '../outbox.js';
import type { FailedMessage, FailedMessageFilter, FailedMessageStore } from './failed-message.js';
import { SqlFailedMessageStore } from './sql-failed-message-store.js';

/** Configuration of {@link createFailedMessages}. */
export interface FailedMessagesConfig {
  readonly store: FailedMessageStore;
  /** Contracts a message must pass again before it is republished. @default none */
  readonly contracts?: ContractRegistry;
  /** Decodes stored payloads for `show` and `edit`. @default jsonCodec */
  readonly codec?: Codec;
  /** Where `retry(id, { to: 'kafka' })` publishes. */
  readonly producer?: Producer;
  /** Where `retry(id, { to: 'outbox' })` writes, with the database it lives in. */
  readonly outbox?: { readonly outbox: Outbox; readonly database: SqlDatabase };
}

/** The parts of a failed message an operator edits. */
export interface EditableMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly type: string;
  readonly value: unknown;
  readonly headers: Headers;
}

/** A failed message with its value decoded (or why it cannot be). */
export interface FailedMessageView extends FailedMessage {
  readonly value: unknown;
  readonly decodeError?: string;
}

/** Where a retry sends the message: straight to Kafka, or into the outbox (so it is ordered after rows already waiting). */
export type RetryTarget = 'kafka' | 'outbox';

/** Options of {@link FailedMessages.retry}. */
export interface RetryOptions {
  /** @default 'kafka' */
  readonly to?: RetryTarget;
  /** Publish again a message already republished (it keeps its `ordo-id`). @default false */
  readonly force?: boolean;
}

/** Progress of {@link FailedMessages.retryAll}, reported after each message. */
export interface RetryProgress {
  readonly done: number;
  readonly total: number;
  readonly failureId: string;
  readonly error?: unknown;
}

/** Operator commands over failed messages: list, show, edit, retry, delete. */
export interface FailedMessages {
  list(filter?: FailedMessageFilter): Promise<FailedMessage[]>;
  /** @throws FailedMessageNotFoundError */
  show(failureId: string): Promise<FailedMessageView>;
  /**
   * Rewrites a message through `transform` (fix a field, rename a type, move a topic).
   * Shape and encoding are checked; the contract is checked by `retry`.
   * @throws FailedMessageNotFoundError | InvalidMessageError | EncodeError
   */
  edit(
    failureId: string,
    transform: (message: EditableMessage) => EditableMessage | Promise<EditableMessage>,
  ): Promise<FailedMessage>;
  /**
   * Validates the message against its contract again and republishes it with its original
   * `ordo-id`, then marks it `republished`. A failure counts an attempt, records the
   * reason, and is thrown. An outbox event that holds its key releases it: to `outbox`, it
   * takes its original place, before the rows it held; to `kafka`, it is refused while
   * earlier rows of its key still wait in the outbox (needs `outbox` in the config to see
   * them). Mind the key when editing: a message moved to another key or topic is written
   * as a new row there, and its old key is released.
   * @throws FailedMessageNotFoundError | ReplayRefusedError (already republished) | ContractViolationError | InvalidStateError (earlier rows of the key wait) | DeliveryError | DatabaseError
   */
  retry(failureId: string, options?: RetryOptions): Promise<FailedMessage>;
  /** Retries every message the filter selects, in failure order, reporting progress; failures do not stop the run. */
  retryAll(
    filter: FailedMessageFilter,
    options?: { readonly to?: RetryTarget; readonly onProgress?: (progress: RetryProgress) => void },
  ): Promise<{ readonly republished: number; readonly failed: number }>;
  /** @throws FailedMessageNotFoundError */
  delete(failureId: string): Promise<void>;
}

/**
 * Creates the operator API over a failed-message store.
 *
 * @example
 * const failed = createFailedMessages({ store, contracts, producer });
 * await failed.edit(id, (m) => ({ ...m, value: { ...(m.value as object), email: 'fixed@example.com' } }));
 * await failed.retry(id, { to: 'kafka' });
 */
export function createFailedMessages(config: FailedMessagesConfig): FailedMessages {
  if (!config?.store) throw new InvalidConfigError('store', 'is required');
  const { store, contracts } = config;
  const codec = config.codec ?? jsonCodec;

  async function load(failureId: string): Promise<FailedMessage> {
    const message = await store.get(failureId);
    if (!message) throw new FailedMessageNotFoundError(failureId);
    return message;
  }

  function toOutgoing(m: FailedMessage): OutgoingMessage {
    const value = m.payload === null ? null : codec.decode(m.payload);
    return {
      topic: m.topic,
      key: m.key,
      type: m.type,
      value,
      headers: m.headers,
      id: m.messageId,
      timestamp: m.occurredAt,
    };
  }

  async function republish(m: FailedMessage, to: RetryTarget): Promise<FailedMessage> {
    const message = toOutgoing(m);
    checkMessage(message, contracts);
    contracts?.validate(message.topic, message.type, message.value);
    if (to === 'kafka') {
      if (!config.producer) throw new InvalidConfigError('producer', "is required to retry to 'kafka'");
      await refuseOvertaking(m);
      await config.producer.publish(message);
      return store.update(m.failureId, { status: 'republished' });
    }
    if (!config.outbox) throw new InvalidConfigError('outbox', "is required to retry to 'outbox'");
    const { outbox, database } = config.outbox;
    // With the failed table in the same database, the outbox row and the status change commit together.
    const sameDatabase = store instanceof SqlFailedMessageStore;
    const updated = await inTransaction(database, async (tx) => {
      // At the place of the row its failure holds, if any: first among the key's waiting rows.
      await outbox.writeRetried(tx, m.failureId, message);
      return sameDatabase ? store.within(tx).update(m.failureId, { status: 'republished' }) : undefined;
    });
    return updated ?? store.update(m.failureId, { status: 'republished' });
  }

  /**
   * A held key's earlier rows must reach Kafka before its failed event does (O7): straight
   * to Kafka, it would overtake those still in the outbox. Needs `outbox` to check.
   */
  async function refuseOvertaking(m: FailedMessage): Promise<void> {
    if (!config.outbox || m.origin === 'publish') return;
    const { outbox, database } = config.outbox;
    const ahead = await asDatabaseError(
      inTransaction(database, (tx) => rowsAheadOfHold(tx, outbox.tables, m.failureId)),
      'Failed-message retry',
    );
    if (ahead > 0) {
      throw new InvalidStateError(
        `Failed message ${m.failureId} holds key ${JSON.stringify(m.key)} of ${m.topic} behind ${ahead} earlier outbox row(s) not published yet: retry it to 'outbox' (it keeps its place), or to 'kafka' once they are out`,
      );
    }
  }

  async function retry(failureId: string, options: RetryOptions = {}): Promise<FailedMessage> {
    const m = await load(failureId);
    if (m.status === 'republished' && !options.force) {
      throw new ReplayRefusedError(
        `Failed message ${failureId} was already republished; pass force: true to publish it again`,
      );
    }
    try {
      return await republish(m, options.to ?? 'kafka');
    } catch (error) {
      await store.update(failureId, { attempts: m.attempts + 1, error: messageOf(error) });
      throw error;
    }
  }

  return {
    list: (filter) => store.list(filter),
    async show(failureId) {
      const m = await load(failureId);
      try {
        return { ...m, value: m.payload === null ? null : codec.decode(m.payload) };
      } catch (error) {
        return { ...m, value: m.payload?.toString('utf8') ?? null, decodeError: messageOf(error) };
      }
    },
    async edit(failureId, transform) {
      const m = await load(failureId);
      const current = toOutgoing(m);
      const next = await transform({
        topic: current.topic,
        key: current.key,
        type: current.type,
        value: current.value,
        headers: m.headers,
      });
      checkMessage({ ...next, id: m.messageId }, undefined);
      return store.update(failureId, {
        topic: next.topic,
        key: next.key,
        type: next.type,
        headers: next.headers,
        payload: next.value === null ? null : codec.encode(next.value),
      });
    },
    retry,
    async retryAll(filter, options = {}) {
      const targets = await store.list(filter);
      let republished = 0;
      let failed = 0;
      for (const [index, m] of targets.entries()) {
        try {
          await retry(m.failureId, options);
          republished++;
          options.onProgress?.({ done: index + 1, total: targets.length, failureId: m.failureId });
        } catch (error) {
          failed++;
          options.onProgress?.({ done: index + 1, total: targets.length, failureId: m.failureId, error });
        }
      }
      return { republished, failed };
    },
    async delete(failureId) {
      if (!(await store.delete(failureId))) throw new FailedMessageNotFoundError(failureId);
    },
  };
}
