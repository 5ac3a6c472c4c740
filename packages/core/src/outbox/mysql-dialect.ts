import { InvalidStateError } from '../errors.js';
import { mysqlExecutor, type MysqlQueryable } from '../sql/sql-executor.js';
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
export function mysqlDialect(): OutboxDialect {
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
        const { rows: locked } = await tx.query<{ in_tx: number | string }>(
          `SELECT slot, @@in_transaction AS in_tx FROM ${t.keyLocks} WHERE slot IN (${keyed.map(() => '?').join(', ')}) FOR UPDATE`,
          keyed,
        );
        if (Number(locked[0]?.in_tx) !== 1) {
          throw new InvalidStateError(
            'outbox.write on MySQL must run inside a transaction (beginTransaction first): the key lock that keeps one key in order is held until commit',
          );
        }
      }
      await tx.query(
        `INSERT INTO ${t.outbox} (id, topic, msg_key, key_hash, type, payload, headers, occurred_at) VALUES ${rows
          .map(() => '(?, ?, ?, ?, ?, ?, ?, ?)')
          .join(', ')}`,
        rows.flatMap((r) => [r.id, r.topic, r.key, r.keyHash, r.type, r.payload, r.headers, r.occurredAt]),
      );
    },
    async tableIdentity(session, table) {
      const [schema, name] = table.includes('.') ? table.split('.') : [undefined, table];
      const { rows } = await session.query<{ identity: string | null }>(
        `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) AS identity FROM information_schema.TABLES
          WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
        [schema ?? null, name],
      );
      if (!rows[0]?.identity)
        throw new InvalidStateError(`Outbox table "${table}" does not exist: run outbox.migrate() first`);
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

/**
 * Key-lock slots. Keys sharing a slot are serialized, nothing more. Fixed, because every
 * writer must map a key to the same slot for the lock to mean anything.
 */
const KEY_LOCK_SLOTS = 1024;
