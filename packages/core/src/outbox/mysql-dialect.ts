import { DatabaseError, InvalidStateError } from '../errors.js';
import { mysqlExecutor, type MysqlQueryable, type SqlExecutor } from '../sql/sql-executor.js';
import { isSqlExecutor, type OutboxDialect } from './outbox-dialect.js';
import { createFailedTableSql, createInboxTableSql } from './shared-ddl.js';
import { leaseKey } from './outbox-tables.js';

/**
 * The MySQL/MariaDB dialect (InnoDB). MySQL has no transaction-scoped advisory lock, so
 * a writer locks one row of a fixed table of key-lock slots (`SELECT ... FOR UPDATE`)
 * before its insert draws an AUTO_INCREMENT value; InnoDB holds that row lock until
 * commit, so one key's rows commit in sequence order (O7). This only works inside a
 * transaction, and `write` refuses to run outside one. Relays lease shards with
 * `GET_LOCK`, which lives as long as the session. There is no NOTIFY: the relay polls.
 *
 * @example
 * const outbox = createOutbox({ dialect: mysqlDialect() });
 */
export function mysqlDialect(options: MysqlDialectOptions = {}): OutboxDialect {
  let check = options.transactionCheck;
  // Whether the connection is inside a transaction. MariaDB says so in @@in_transaction.
  // MySQL has no such variable; there, a savepoint tells: in autocommit mode the implicit
  // transaction ends with the SAVEPOINT statement, so releasing it fails.
  async function inTransaction(tx: SqlExecutor): Promise<boolean> {
    if (check !== 'savepoint') {
      try {
        const { rows } = await tx.query<{ v: number | string }>('SELECT @@in_transaction AS v');
        check = 'in_transaction';
        return Number(rows[0]?.v) === 1;
      } catch (error) {
        if (check === 'in_transaction' || errnoOf(error) !== ER_UNKNOWN_SYSTEM_VARIABLE) throw error;
        check = 'savepoint';
      }
    }
    await tx.query('SAVEPOINT ordo_transaction_check');
    try {
      await tx.query('RELEASE SAVEPOINT ordo_transaction_check');
      return true;
    } catch (error) {
      if (errnoOf(error) === ER_SP_DOES_NOT_EXIST) return false;
      throw error;
    }
  }

  return {
    name: 'mysql',
    timestampType: 'timestamp(3)',
    executor(tx) {
      if (isSqlExecutor(tx)) return tx;
      if (typeof (tx as MysqlQueryable)?.query !== 'function') {
        throw new InvalidStateError('outbox.write needs a mysql2/promise connection');
      }
      return mysqlExecutor(tx as MysqlQueryable);
    },
    async migrate(db, t) {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${t.outbox} (
          seq bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
          id char(36) NOT NULL,
          topic varchar(249) NOT NULL,
          msg_key text NULL,
          key_hash int NOT NULL,
          type varchar(255) NOT NULL,
          payload longblob NULL,
          headers text NOT NULL,
          occurred_at bigint NOT NULL,
          created_at timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
        ) ENGINE=InnoDB`,
      );
      await addKeyHolds(db, t.outbox);
      await db.query(`CREATE TABLE IF NOT EXISTS ${t.keyLocks} (slot int NOT NULL PRIMARY KEY) ENGINE=InnoDB`);
      for (let from = 0; from < KEY_LOCK_SLOTS; from += 1000) {
        const batch = Array.from({ length: Math.min(1000, KEY_LOCK_SLOTS - from) }, (_, i) => from + i);
        await db.query(`INSERT IGNORE INTO ${t.keyLocks} (slot) VALUES ${batch.map(() => '(?)').join(', ')}`, batch);
      }
      await db.query(createFailedTableSql(t.failed, 'mysql'));
      await db.query(createInboxTableSql(t.inbox, 'mysql'));
    },
    async insert(tx, t, rows) {
      const keyed = [...new Set(rows.filter((r) => r.key !== null).map((r) => r.keyHash % KEY_LOCK_SLOTS))];
      // Lock slots in ascending order, so two multi-key transactions cannot deadlock.
      keyed.sort((a, b) => a - b);
      if (keyed.length > 0) {
        const slots = keyed.map(() => '?').join(', ');
        await tx.query(`SELECT slot FROM ${t.keyLocks} WHERE slot IN (${slots}) FOR UPDATE`, keyed);
        if (!(await inTransaction(tx))) {
          throw new InvalidStateError(
            'outbox.write on MySQL must run inside a transaction (beginTransaction first): the key lock that keeps one key in order is held until commit',
          );
        }
      }
      const { insertId } = await tx.query(
        `INSERT INTO ${t.outbox} (id, topic, msg_key, key_hash, type, payload, headers, occurred_at, failure_id) VALUES ${rows
          .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)')
          .join(', ')}`,
        rows.flatMap((r) => [
          r.id,
          r.topic,
          r.key,
          r.keyHash,
          r.type,
          r.payload,
          r.headers,
          r.occurredAt,
          r.failureId ?? null,
        ]),
      );
      // A multi-row INSERT with a known row count takes consecutive values in every
      // innodb_autoinc_lock_mode: the first one names them all.
      return { rows, ...(insertId === undefined ? {} : { firstSeq: insertId }) };
    },
    async deleteInserted(tx, t, { rows, firstSeq }) {
      if (firstSeq === undefined) throw new InvalidStateError('The insert reported no AUTO_INCREMENT value');
      const seqs = rows.map((_, i) => firstSeq + i);
      // Equality on the primary key: record locks only, no gap locks.
      await tx.query(`DELETE FROM ${t.outbox} WHERE seq IN (${seqs.map(() => '?').join(', ')})`, seqs);
    },
    async tableIdentity(session, table) {
      const [schema, name] = table.includes('.') ? table.split('.') : [undefined, table];
      const { rows } = await session.query<{ identity: string | null }>(
        `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS identity FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
        [schema ?? null, name],
      );
      if (!rows[0]?.identity)
        throw new DatabaseError(`Outbox table "${table}" does not exist: run outbox.migrate() first`);
      return rows[0].identity;
    },
    async prepareSession(session) {
      // The relay must see each commit as it happens and commit its own deletes at once,
      // whatever the server's or the pool's defaults (init_connect, autocommit=0).
      await session.query('SET SESSION autocommit = 1');
      await session.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    },
    async tryLease(session, identity, shard) {
      const { rows } = await session.query<{ ok: number | null }>('SELECT GET_LOCK(?, 0) AS ok', [
        leaseKey(identity).name(shard),
      ]);
      return Number(rows[0]?.ok) === 1;
    },
    async releaseLease(session, identity, shard) {
      await session.query('SELECT RELEASE_LOCK(?)', [leaseKey(identity).name(shard)]);
    },
    async insertInboxId(tx, table, scope, messageId) {
      const { affected } = await tx.query(`INSERT IGNORE INTO ${table} (scope, message_id) VALUES (?, ?)`, [
        scope,
        messageId,
      ]);
      return affected === 1;
    },
  };
}

/** Options of {@link mysqlDialect}. */
export interface MysqlDialectOptions {
  /**
   * How a write checks that it runs inside a transaction: MariaDB's `@@in_transaction`,
   * or a savepoint (MySQL, which has no such variable). @default detected on first use
   */
  readonly transactionCheck?: 'in_transaction' | 'savepoint';
}

/**
 * Adds the key-hold column and index to an outbox table that lacks them (tables created
 * before key holds). MySQL has no `ADD COLUMN IF NOT EXISTS`, so the catalog decides.
 */
async function addKeyHolds(db: SqlExecutor, table: string): Promise<void> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const where = 'TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?';
  const column = await db.query(
    `SELECT 1 FROM information_schema.COLUMNS WHERE ${where} AND COLUMN_NAME = 'failure_id'`,
    [schema, name],
  );
  if (column.rows.length === 0) await db.query(`ALTER TABLE ${table} ADD COLUMN failure_id varchar(36) NULL`);
  const index = await db.query(
    `SELECT 1 FROM information_schema.STATISTICS WHERE ${where} AND INDEX_NAME = 'ordo_holds'`,
    [schema, name],
  );
  // Finds a key's hold rows, and counts the rows waiting behind them.
  if (index.rows.length === 0) await db.query(`CREATE INDEX ordo_holds ON ${table} (key_hash, failure_id)`);
}

const ER_UNKNOWN_SYSTEM_VARIABLE = 1193;
const ER_SP_DOES_NOT_EXIST = 1305;

function errnoOf(error: unknown): number | undefined {
  return (error as { errno?: number }).errno;
}

/**
 * Key-lock slots. Keys sharing a slot are serialized, nothing more. Fixed, because every
 * writer must map a key to the same slot for the lock to mean anything.
 */
const KEY_LOCK_SLOTS = 1024;
