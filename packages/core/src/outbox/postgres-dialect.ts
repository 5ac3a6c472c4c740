import { DatabaseError, InvalidStateError } from '../errors.js';
import { postgresExecutor, type PostgresQueryable } from '../sql/sql-executor.js';
import { isSqlExecutor, type OutboxDialect, type OutboxInsert } from './outbox-dialect.js';
import { createFailedTableSql, createInboxTableSql } from './shared-ddl.js';
import { leaseKey } from './outbox-tables.js';

/**
 * The PostgreSQL dialect (also PGlite). Writers take a transaction-scoped advisory lock
 * per key before drawing a sequence number, and signal the relay with NOTIFY, which
 * PostgreSQL delivers at commit. Relays lease shards with session advisory locks.
 *
 * @example
 * const outbox = createOutbox({ dialect: postgresDialect() });
 */
export function postgresDialect(): OutboxDialect {
  return {
    name: 'postgres',
    timestampType: 'timestamptz',
    executor(tx) {
      if (isSqlExecutor(tx)) return tx;
      if (typeof (tx as PostgresQueryable)?.query !== 'function') {
        throw new InvalidStateError('outbox.write needs a pg client or a PGlite transaction');
      }
      return postgresExecutor(tx as PostgresQueryable);
    },
    async migrate(db, t) {
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${t.outbox} (
          seq bigserial PRIMARY KEY,
          id uuid NOT NULL,
          topic varchar(249) NOT NULL,
          msg_key text NULL,
          key_hash integer NOT NULL,
          type varchar(255) NOT NULL,
          payload bytea NULL,
          headers text NOT NULL,
          occurred_at bigint NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          txid xid8 NOT NULL DEFAULT pg_current_xact_id()
        )`,
      );
      // For publisher: 'debezium', whose writers delete their rows by id.
      await db.query(`CREATE INDEX IF NOT EXISTS ${t.outbox.split('.').at(-1)}_id ON ${t.outbox} (id)`);
      // Key holds (added later: ALTER ... IF NOT EXISTS migrates existing tables). The
      // index finds a key's hold rows, and counts the rows waiting behind them.
      await db.query(`ALTER TABLE ${t.outbox} ADD COLUMN IF NOT EXISTS failure_id varchar(36) NULL`);
      await db.query(
        `CREATE INDEX IF NOT EXISTS ${t.outbox.split('.').at(-1)}_holds ON ${t.outbox} (key_hash, failure_id)`,
      );
      await db.query(createFailedTableSql(t.failed, 'postgres'));
      await db.query(createInboxTableSql(t.inbox, 'postgres'));
    },
    async insert(tx, t, rows) {
      if (rows.length === 1) {
        await tx.query(insertSql(t.outbox, rows[0]!, t.channel), insertParams(t.keyLockSpace, t.channel, rows[0]!));
        return { rows };
      }
      // Several rows: one statement takes every key's lock, in ascending order so that
      // two transactions writing the same keys cannot deadlock, and signals the relay;
      // then multi-row INSERTs draw sequence numbers in the order of the rows.
      const hashes = [...new Set(rows.filter((r) => r.key !== null).map((r) => r.keyHash | 0))].sort((a, b) => a - b);
      await tx.query(
        `SELECT (SELECT count(*) FROM (SELECT pg_advisory_xact_lock(?::int4, h)
           FROM (SELECT h FROM unnest(?::int4[]) AS h ORDER BY h) AS sorted) AS locked) AS locked${t.channel === null ? '' : ", pg_notify(?, '')"}`,
        t.channel === null ? [t.keyLockSpace, hashes] : [t.keyLockSpace, hashes, t.channel],
      );
      for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
        const chunk = rows.slice(start, start + INSERT_CHUNK);
        await tx.query(
          `INSERT INTO ${t.outbox} (${COLUMNS}) VALUES ${chunk.map(() => `(${VALUES})`).join(', ')}`,
          chunk.flatMap(rowValues),
        );
      }
      return { rows };
    },
    async deleteInserted(tx, t, { rows }) {
      await tx.query(`DELETE FROM ${t.outbox} WHERE id = ANY(?::uuid[])`, [rows.map((r) => r.id)]);
    },
    async tableIdentity(session, table) {
      const { rows } = await session.query<{ identity: string }>(
        `SELECT current_database() || '.' || n.nspname || '.' || c.relname AS identity
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(?)`,
        [table],
      );
      if (!rows[0]) throw new DatabaseError(`Outbox table "${table}" does not exist: run outbox.migrate() first`);
      return rows[0].identity;
    },
    async prepareSession() {},
    async tryLease(session, identity, shard) {
      const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(?::int4, ?::int4) AS ok', [
        leaseKey(identity).space,
        shard,
      ]);
      return rows[0]?.ok === true;
    },
    async releaseLease(session, identity, shard) {
      await session.query('SELECT pg_advisory_unlock(?::int4, ?::int4)', [leaseKey(identity).space, shard]);
    },
    async insertInboxId(tx, table, scope, messageId) {
      const { affected } = await tx.query(
        `INSERT INTO ${table} (scope, message_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
        [scope, messageId],
      );
      return affected === 1;
    },
  };
}

const COLUMNS = 'id, topic, msg_key, key_hash, type, payload, headers, occurred_at, failure_id';
const VALUES = '?::uuid, ?, ?, ?, ?, ?::bytea, ?, ?, ?';

// One statement: lock, notify and insert, so the key's lock is taken before the row's
// sequence number is drawn, in one round trip. CTEs run only when referenced, hence the
// FROM list of the parts present.
function insertSql(table: string, row: OutboxInsert, channel: string | null): string {
  const parts: string[] = [];
  if (row.key !== null) parts.push('lock AS (SELECT pg_advisory_xact_lock(?::int4, ?::int4))');
  if (channel !== null) parts.push("wake AS (SELECT pg_notify(?, ''))");
  const names = parts.map((part) => part.slice(0, part.indexOf(' ')));
  const from = names.length > 0 ? ` FROM ${names.join(', ')}` : '';
  return `${parts.length > 0 ? `WITH ${parts.join(', ')} ` : ''}INSERT INTO ${table} (${COLUMNS}) SELECT ${VALUES}${from}`;
}

function insertParams(space: number, channel: string | null, row: OutboxInsert): unknown[] {
  const params: unknown[] = [];
  if (row.key !== null) params.push(space, row.keyHash | 0);
  if (channel !== null) params.push(channel);
  params.push(...rowValues(row));
  return params;
}

function rowValues(row: OutboxInsert): unknown[] {
  return [
    row.id,
    row.topic,
    row.key,
    row.keyHash,
    row.type,
    row.payload,
    row.headers,
    row.occurredAt,
    row.failureId ?? null,
  ];
}

/** Rows per multi-row INSERT: 9 parameters each, well under PostgreSQL's 65,535. */
const INSERT_CHUNK = 1_000;
