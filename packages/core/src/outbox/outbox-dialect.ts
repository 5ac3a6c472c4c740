import type { MysqlQueryable, PostgresQueryable, SqlExecutor } from '../sql/sql-executor.js';
import type { ResolvedOutboxTables } from './outbox-tables.js';

/** One outbox row as the writer inserts it. */
export interface OutboxInsert {
  readonly id: string;
  readonly topic: string;
  readonly key: string | null;
  readonly keyHash: number;
  readonly type: string;
  readonly payload: Buffer | null;
  readonly headers: string;
  readonly occurredAt: number;
  /** Set on a hold row: the failed-outbox entry that holds the key's later rows (see key-holds.ts). */
  readonly failureId?: string;
}

/** What an insert wrote: the rows, and on MySQL the sequence number of the first. */
export interface InsertedRows {
  readonly rows: readonly OutboxInsert[];
  readonly firstSeq?: number;
}

/**
 * A transaction handle of the application: a `pg` client, a PGlite transaction or a
 * `mysql2` connection (or an Ordo `SqlExecutor` over one of them).
 */
export type OutboxTransaction = PostgresQueryable | MysqlQueryable | SqlExecutor;

/** Whether a handle is already an Ordo executor, which knows its dialect and placeholders. */
export function isSqlExecutor(tx: OutboxTransaction): tx is SqlExecutor {
  const dialect = (tx as SqlExecutor).dialect;
  return dialect === 'postgres' || dialect === 'mysql';
}

/**
 * What differs between PostgreSQL and MySQL/MariaDB: DDL, how a writer serializes one
 * key's rows, how a relay leases a shard. Everything else is shared SQL.
 */
export interface OutboxDialect {
  readonly name: 'postgres' | 'mysql';
  /** Wraps the application's transaction handle. */
  executor(tx: OutboxTransaction): SqlExecutor;
  /** Creates the tables if they do not exist. */
  migrate(db: SqlExecutor, tables: ResolvedOutboxTables): Promise<void>;
  /**
   * Inserts rows inside the caller's transaction, holding each key's lock until commit so
   * that rows of one key commit in the order of their sequence numbers (O7).
   */
  insert(tx: SqlExecutor, tables: ResolvedOutboxTables, rows: readonly OutboxInsert[]): Promise<InsertedRows>;
  /**
   * Deletes rows this transaction just inserted (`publisher: 'debezium'`), locking only
   * them: by primary key on MySQL, where a scan or a secondary index would take gap
   * locks that deadlock concurrent writers.
   */
  deleteInserted(tx: SqlExecutor, tables: ResolvedOutboxTables, inserted: InsertedRows): Promise<void>;
  /**
   * The outbox table's identity as the database resolves it (`database.schema.table`),
   * which names its leases.
   * @throws DatabaseError when the table does not exist (`outbox.migrate()` creates it)
   */
  tableIdentity(session: SqlExecutor, table: string): Promise<string>;
  /** Prepares a relay's session (MySQL: autocommit on, READ COMMITTED, whatever the server's defaults). */
  prepareSession(session: SqlExecutor): Promise<void>;
  /** Tries to take the lease of one shard on a session; true when this session holds it. */
  tryLease(session: SqlExecutor, identity: string, shard: number): Promise<boolean>;
  /** Gives a lease back. */
  releaseLease(session: SqlExecutor, identity: string, shard: number): Promise<void>;
  /** Inserts an id into the inbox; true when it was not there yet. */
  insertInboxId(tx: SqlExecutor, table: string, scope: string, messageId: string): Promise<boolean>;
  /** Column type of a timestamp, and the expression for now. */
  readonly timestampType: string;
}
