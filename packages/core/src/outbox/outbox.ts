import type { ContractRegistry } from '../contracts/contract-registry.js';
import {
  ContractViolationError,
  InvalidConfigError,
  InvalidStateError,
  UnknownEventTypeError,
  messageOf,
} from '../errors.js';
import { consoleLogger, type Logger } from '../internal/logger.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import { jsonCodec, type Codec } from '../message/json-codec.js';
import type { OutgoingMessage } from '../message/message.js';
import { asDatabaseError } from '../sql/as-database-error.js';
import { checkMessage, encodeRecord, type BuiltRecord } from '../producer/build-record.js';
import { checkForColumns, toInsert } from './outbox-row.js';
import { readHeldKeys, replaceHoldRow, resolveKeyHolds, type HeldKey, type HeldKeysQuery } from './key-holds.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { SqlFailedMessageStore } from './failed/sql-failed-message-store.js';
import type { OutboxDialect, OutboxInsert, OutboxTransaction } from './outbox-dialect.js';
import { resolveOutboxTables, type OutboxTableNames, type ResolvedOutboxTables } from './outbox-tables.js';

/** Configuration of {@link createOutbox}. */
export interface OutboxConfig {
  /** `postgresDialect()` (also PGlite) or `mysqlDialect()`. */
  readonly dialect: OutboxDialect;
  /** Contracts checked before a row is written. @default none */
  readonly contracts?: ContractRegistry;
  /** @default jsonCodec */
  readonly codec?: Codec;
  /** @default { outbox: 'ordo_outbox', failed: 'ordo_failed_outbox', inbox: 'ordo_inbox' } */
  readonly tables?: OutboxTableNames;
  /**
   * What a contract violation (or an unknown event type) does. `quarantine` writes the
   * event to the failed-outbox table in the same transaction and emits `quarantined`,
   * so the business change commits and an operator fixes the event later; `throw`
   * raises the error and lets the caller's transaction decide.
   * @default 'quarantine'
   */
  readonly onContractViolation?: 'quarantine' | 'throw';
  /**
   * Who publishes the rows. `relay`: {@link createOutboxRelay}, which deletes rows once
   * published. `debezium`: Debezium's Outbox Event Router reads inserts from the log, so
   * each write deletes its rows again in the same transaction and the table stays empty.
   * @default 'relay'
   */
  readonly publisher?: 'relay' | 'debezium';
  /**
   * PostgreSQL: signal the relay with NOTIFY at commit, so it publishes within
   * milliseconds. PostgreSQL serializes the commits of notifying transactions on one
   * queue lock; at thousands of commits per second, turn this off and let the relay poll.
   * @default true
   */
  readonly notify?: boolean;
  /** Largest record accepted, as Kafka would count it. @default 1_000_000 */
  readonly maxRecordBytes?: number;
  /**
   * Whether an event of a key held aside (quarantined here, refused for good by the
   * broker in the relay) holds the key's later rows until an operator retries or deletes
   * it (O7). `false`: the later rows go on and overtake it, as before key holds. Only for
   * `publisher: 'relay'`. Per topic in `topics`.
   * @default true
   */
  readonly holdKeyOnFailure?: boolean;
  /** Settings per topic, over the outbox-wide ones. @default {} */
  readonly topics?: Readonly<Record<string, OutboxTopicConfig>>;
  /** @default consoleLogger */
  readonly logger?: Logger;
}

/** Settings of one topic in {@link OutboxConfig.topics}. */
export interface OutboxTopicConfig {
  /** See {@link OutboxConfig.holdKeyOnFailure}. @default the outbox's `holdKeyOnFailure` */
  readonly holdKeyOnFailure?: boolean;
}

/** What one `write` did. */
export type OutboxWriteResult =
  | { readonly status: 'queued'; readonly id: string }
  | { readonly status: 'quarantined'; readonly id: string; readonly failureId: string; readonly error: Error };

/** Events of an {@link Outbox}. */
export interface OutboxEvents {
  /** A contract violation sent an event to the failed-outbox table (after the write, before commit). */
  quarantined: {
    readonly id: string;
    readonly failureId: string;
    readonly topic: string;
    readonly key: string | null;
    readonly type: string;
    readonly error: Error;
  };
}

/** Writes events into the outbox table inside the application's transactions. */
export interface Outbox {
  readonly dialect: OutboxDialect;
  readonly tables: ResolvedOutboxTables;
  readonly codec: Codec;
  /** Creates the outbox, failed-outbox and inbox tables if they do not exist. Idempotent. */
  migrate(db: OutboxTransaction): Promise<void>;
  /**
   * Writes one event inside `tx`, the caller's open transaction (a `pg` client, a PGlite
   * transaction or a `mysql2` connection). It is published after `tx` commits, in
   * insertion order per key (O7); if `tx` rolls back, it never existed.
   * @throws InvalidMessageError | MissingKeyError | EncodeError | RecordTooLargeError,
   *   ContractViolationError with `onContractViolation: 'throw'`, DatabaseError
   */
  write<V>(tx: OutboxTransaction, message: OutgoingMessage<V>): Promise<OutboxWriteResult>;
  /** Writes several events in order; all are checked before any is written. */
  writeMany(tx: OutboxTransaction, messages: readonly OutgoingMessage[]): Promise<OutboxWriteResult[]>;
  /**
   * Writes a retried failed message inside `tx`: at the place of the row its failure holds
   * (so it goes out before the key's rows that waited for it), or, when there is none or
   * the message moved to another topic or key, as a new row like `write`.
   * `createFailedMessages` calls this for `retry(id, { to: 'outbox' })`.
   * @throws as `write`, and ContractViolationError when the message still breaks its contract
   */
  writeRetried<V>(tx: OutboxTransaction, failureId: string, message: OutgoingMessage<V>): Promise<OutboxWriteResult>;
  /**
   * Keys held by a failed event now, with the count of rows waiting behind each (oldest hold first).
   * @throws InvalidConfigError for a `shard` or `limit` that is not a proper integer | DatabaseError
   */
  heldKeys(db: OutboxTransaction, query?: HeldKeysQuery): Promise<HeldKey[]>;
  /** Whether a failed event of `topic` holds its key's later rows ({@link OutboxConfig.holdKeyOnFailure}). */
  holdsKeyOnFailure(topic: string): boolean;
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof OutboxEvents>(event: K, listener: (payload: OutboxEvents[K]) => void): () => void;
}

/**
 * Creates a transactional outbox.
 *
 * @example
 * const outbox = createOutbox({ dialect: postgresDialect(), contracts });
 * await outbox.migrate(pool);
 * const client = await pool.connect();
 * await client.query('BEGIN');
 * await client.query('UPDATE users SET email = $1 WHERE id = $2', [email, id]);
 * await outbox.write(client, { topic: 'users', key: id, type: 'user-updated', value: user });
 * await client.query('COMMIT');
 */
export function createOutbox(config: OutboxConfig): Outbox {
  if (!config?.dialect) throw new InvalidConfigError('dialect', 'is required: postgresDialect() or mysqlDialect()');
  const policy = config.onContractViolation ?? 'quarantine';
  if (policy !== 'quarantine' && policy !== 'throw') {
    throw new InvalidConfigError(
      'onContractViolation',
      `must be 'quarantine' or 'throw', got ${JSON.stringify(policy)}`,
    );
  }
  const { dialect, contracts } = config;
  const publisher = config.publisher ?? 'relay';
  if (publisher !== 'relay' && publisher !== 'debezium') {
    throw new InvalidConfigError('publisher', `must be 'relay' or 'debezium', got ${JSON.stringify(publisher)}`);
  }
  const tables = resolveOutboxTables(config.tables, config.notify ?? true);
  const codec = config.codec ?? jsonCodec;
  const maxRecordBytes = config.maxRecordBytes ?? 1_000_000;
  const logger = config.logger ?? consoleLogger;
  const emitter = new TypedEmitter<OutboxEvents>((error) => logger.error('outbox listener threw', { error }));
  const holdsKeyOnFailure = resolveKeyHolds(config, publisher);

  async function writeMany(tx: OutboxTransaction, messages: readonly OutgoingMessage[]): Promise<OutboxWriteResult[]> {
    assertTransactionHandle(tx, 'outbox.write');
    const prepared = messages.map((message) => prepare(message));
    const executor = dialect.executor(tx);
    const results: OutboxWriteResult[] = [];
    const rows: OutboxInsert[] = [];
    for (const p of prepared) {
      const row = toInsert(p.built, p.message);
      if (p.violation === undefined) {
        rows.push(row);
        results.push({ status: 'queued', id: p.built.id });
        continue;
      }
      const result = await quarantine(executor, row, p.violation);
      // The hold row takes the event's place in the key's sequence, under the key's lock
      // like any row, so a concurrent writer's later row of the key can only come after it.
      if (row.key !== null && holdsKeyOnFailure(row.topic)) {
        rows.push({ ...row, payload: null, failureId: result.failureId });
      }
      results.push(result);
    }
    if (rows.length > 0) {
      const inserted = await asDatabaseError(dialect.insert(executor, tables, rows), 'Outbox write failed');
      if (publisher === 'debezium') {
        await asDatabaseError(dialect.deleteInserted(executor, tables, inserted), 'Outbox write failed');
      }
    }
    for (const [index, p] of prepared.entries()) {
      const result = results[index]!;
      if (result.status === 'quarantined') {
        emitter.emit('quarantined', {
          id: result.id,
          failureId: result.failureId,
          topic: p.message.topic,
          key: p.message.key,
          type: p.message.type,
          error: result.error,
        });
      }
    }
    return results;
  }

  async function writeRetried(
    tx: OutboxTransaction,
    failureId: string,
    message: OutgoingMessage,
  ): Promise<OutboxWriteResult> {
    assertTransactionHandle(tx, 'outbox.writeRetried');
    const p = prepare(message);
    if (p.violation) throw p.violation;
    const row = toInsert(p.built, p.message);
    const executor = dialect.executor(tx);
    const replaced = await asDatabaseError(
      replaceHoldRow(executor, tables, failureId, row, row),
      'Outbox write failed',
    );
    if (replaced) return { status: 'queued', id: row.id };
    const [result] = await writeMany(tx, [p.message]);
    return result!;
  }

  function prepare(message: OutgoingMessage): { message: OutgoingMessage; built: BuiltRecord; violation?: Error } {
    checkMessage(message, contracts);
    message = checkForColumns(message);
    const built = encodeRecord(message, { codec, contracts, maxRecordBytes });
    try {
      contracts?.validate(message.topic, message.type, message.value);
      return { message, built };
    } catch (error) {
      const isContract = error instanceof ContractViolationError || error instanceof UnknownEventTypeError;
      if (!isContract || policy === 'throw') throw error;
      return { message, built, violation: error };
    }
  }

  async function quarantine(
    executor: SqlExecutor,
    row: OutboxInsert,
    violation: Error,
  ): Promise<Extract<OutboxWriteResult, { status: 'quarantined' }>> {
    const failed = await new SqlFailedMessageStore({ executor, table: tables.failed }).add({
      messageId: row.id,
      origin: 'outbox',
      topic: row.topic,
      key: row.key,
      type: row.type,
      payload: row.payload,
      headers: JSON.parse(row.headers) as Record<string, string>,
      occurredAt: row.occurredAt,
      error: messageOf(violation),
    });
    return { status: 'quarantined', id: row.id, failureId: failed.failureId, error: violation };
  }

  return {
    dialect,
    tables,
    codec,
    migrate: (db) => dialect.migrate(dialect.executor(db), tables),
    async write(tx, message) {
      const [result] = await writeMany(tx, [message]);
      return result!;
    },
    writeMany,
    writeRetried,
    heldKeys: (db, query) => asDatabaseError(readHeldKeys(dialect.executor(db), tables, query), 'Outbox held keys'),
    holdsKeyOnFailure,
    on: (event, listener) => emitter.on(event, listener),
  };
}

/**
 * Refuses handles that are not one transaction: a pool (each statement on any
 * connection, each one committed on its own) or a whole PGlite instance.
 * @throws InvalidStateError
 */
export function assertTransactionHandle(tx: OutboxTransaction, what: string): void {
  const handle = tx as unknown as Record<string, unknown>;
  const isPool =
    typeof handle.getConnection === 'function' ||
    (typeof handle.connect === 'function' && 'totalCount' in handle) ||
    (typeof handle.transaction === 'function' && typeof handle.listen === 'function');
  if (isPool) {
    throw new InvalidStateError(
      `${what} needs the transaction's own handle (a pg client after BEGIN, a mysql2 connection after beginTransaction(), a PGlite transaction), not a pool or a database`,
    );
  }
}
