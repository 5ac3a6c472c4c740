import type { ContractRegistry } from '../contracts/contract-registry.js';
import {
  ContractViolationError,
  InvalidConfigError,
  InvalidMessageError,
  InvalidStateError,
  UnknownEventTypeError,
  messageOf,
} from '../errors.js';
import { consoleLogger, type Logger } from '../internal/logger.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import { HEADERS } from '../message/headers.js';
import { jsonCodec, type Codec } from '../message/json-codec.js';
import type { OutgoingMessage } from '../message/message.js';
import { asDatabaseError } from '../sql/as-database-error.js';
import { checkMessage, encodeRecord, type BuiltRecord } from '../producer/build-record.js';
import type { SqlExecutor } from '../sql/sql-executor.js';
import { SqlFailedMessageStore } from './failed/sql-failed-message-store.js';
import type { OutboxDialect, OutboxInsert, OutboxTransaction } from './outbox-dialect.js';
import { keyHash, resolveOutboxTables, type OutboxTableNames, type ResolvedOutboxTables } from './outbox-tables.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  /** @default consoleLogger */
  readonly logger?: Logger;
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

  async function writeMany(tx: OutboxTransaction, messages: readonly OutgoingMessage[]): Promise<OutboxWriteResult[]> {
    assertTransactionHandle(tx, 'outbox.write');
    const prepared = messages.map((message) => prepare(message));
    const executor = dialect.executor(tx);
    const queued = prepared.filter((p) => p.violation === undefined).map((p) => toInsert(p.built, p.message));
    if (queued.length > 0) {
      const inserted = await asDatabaseError(dialect.insert(executor, tables, queued), 'Outbox write failed');
      if (publisher === 'debezium') {
        await asDatabaseError(dialect.deleteInserted(executor, tables, inserted), 'Outbox write failed');
      }
    }
    const results: OutboxWriteResult[] = [];
    for (const p of prepared) {
      if (p.violation === undefined) results.push({ status: 'queued', id: p.built.id });
      else results.push(await quarantine(executor, p.built, p.message, p.violation));
    }
    return results;
  }

  function prepare(message: OutgoingMessage): { message: OutgoingMessage; built: BuiltRecord; violation?: Error } {
    checkMessage(message, contracts);
    if (message.id !== undefined) {
      if (!UUID.test(message.id)) {
        throw new InvalidMessageError(
          `message.id must be a UUID for the outbox's id column, got ${JSON.stringify(message.id)}`,
        );
      }
      // The database gives uuids back in lower case: return the id consumers will see.
      message = { ...message, id: message.id.toLowerCase() };
    }
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
    built: BuiltRecord,
    message: OutgoingMessage,
    violation: Error,
  ): Promise<OutboxWriteResult> {
    const row = toInsert(built, message);
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
    emitter.emit('quarantined', {
      id: row.id,
      failureId: failed.failureId,
      topic: row.topic,
      key: row.key,
      type: row.type,
      error: violation,
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

/** The row of an encoded event: `ordo-id` and `ordo-type` are columns, the rest of the headers JSON. */
function toInsert(built: BuiltRecord, message: OutgoingMessage): OutboxInsert {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(built.record.headers ?? {})) {
    if (name !== HEADERS.id && name !== HEADERS.type) headers[name] = String(value);
  }
  return {
    id: built.id,
    topic: message.topic,
    key: message.key,
    keyHash: keyHash(message.key),
    type: message.type,
    payload: built.record.value,
    headers: JSON.stringify(headers),
    occurredAt: message.timestamp ?? Date.now(),
  };
}
