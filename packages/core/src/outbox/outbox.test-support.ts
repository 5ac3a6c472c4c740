import type { ConsumedRecord } from '../driver/types.js';
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_URL, PG_URL, uniqueTable } from '../sql/databases.test-support.js';
import type { SqlDatabase } from '../sql/database.js';
import { mysqlDialect } from './mysql-dialect.js';
import type { OutboxDialect, OutboxTransaction } from './outbox-dialect.js';
import { postgresDialect } from './postgres-dialect.js';
import { leaseKey } from './outbox-tables.js';
import { mysqlExecutor, postgresExecutor } from '../sql/sql-executor.js';

/**
 * One database engine as the outbox tests use it: a pool (or PGlite) plus a way to run
 * a transaction on the application's own handle type, exactly as users write it.
 */
export interface OutboxTestDatabase {
  readonly name: 'postgres' | 'mariadb' | 'pglite';
  readonly dialect: OutboxDialect;
  readonly database: SqlDatabase;
  /** BEGIN, fn(handle), COMMIT (or ROLLBACK when fn throws), on a pg PoolClient, a mysql2 connection or a PGlite transaction. */
  transaction<T>(fn: (tx: OutboxTransaction) => Promise<T>): Promise<T>;
  /** Runs one statement with `?` placeholders. */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A second, independent pool (relays that must not share a connection pool). */
  another(): Promise<OutboxTestDatabase>;
  /** Ends the pool (or closes PGlite). */
  close(): Promise<void>;
}

/** A fresh set of outbox table names, so test files never share state. */
export function outboxTables(): { outbox: string; failed: string; inbox: string } {
  const suffix = uniqueTable('t');
  return { outbox: `ob_${suffix}`, failed: `obf_${suffix}`, inbox: `obi_${suffix}` };
}

export async function postgresForOutbox(applicationName = 'ordo-test'): Promise<OutboxTestDatabase> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 12, application_name: applicationName });
  pool.on('error', () => undefined); // terminated sessions are part of some tests
  return {
    name: 'postgres',
    dialect: postgresDialect(),
    database: pool,
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client whose server session is killed emits 'error'; the query fails anyway.
      const ignore = (): void => undefined;
      client.on('error', ignore);
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    async query(sql, params = []) {
      let n = 0;
      return (
        await pool.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows;
    },
    another: () => postgresForOutbox(`${applicationName}-2`),
    close: () => pool.end(),
  };
}

export async function mariadbForOutbox(): Promise<OutboxTestDatabase> {
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 12 });
  return {
    name: 'mariadb',
    dialect: mysqlDialect(),
    database: pool,
    async transaction(fn) {
      const conn = await pool.getConnection();
      try {
        await conn.beginTransaction();
        const result = await fn(conn);
        await conn.commit();
        return result;
      } catch (error) {
        await conn.rollback().catch(() => undefined);
        throw error;
      } finally {
        conn.release();
      }
    },
    async query(sql, params = []) {
      const [rows] = await pool.query(sql, params);
      return rows as never;
    },
    another: () => mariadbForOutbox(),
    close: () => pool.end(),
  };
}

export async function pgliteForOutbox(): Promise<OutboxTestDatabase> {
  const db = await PGlite.create();
  const self: OutboxTestDatabase = {
    name: 'pglite',
    dialect: postgresDialect(),
    database: db,
    transaction: (fn) => db.transaction((tx) => fn(tx)),
    async query(sql, params = []) {
      let n = 0;
      return (
        await db.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as never;
    },
    // PGlite is one in-process session: a second "pool" is the same database.
    another: async () => self,
    close: () => db.close(),
  };
  return self;
}

/** The three engines every outbox behaviour is tested on. */
export const OUTBOX_DATABASES = [
  ['postgres', () => postgresForOutbox()],
  ['mariadb', () => mariadbForOutbox()],
  ['pglite', () => pgliteForOutbox()],
] as const;

/**
 * Records, through a trigger, the sequence number of every committed outbox row, so a
 * test knows the insertion order per key even after the relay deleted the rows.
 */
export async function recordInsertionOrder(
  db: OutboxTestDatabase,
  outboxTable: string,
): Promise<{ expected(): Promise<Map<string | null, string[]>>; drop(): Promise<void> }> {
  const audit = `${outboxTable}_audit`;
  await db.query(`CREATE TABLE ${audit} (seq bigint NOT NULL, id varchar(64) NOT NULL, msg_key text NULL)`);
  if (db.name === 'mariadb') {
    await db.query(
      `CREATE TRIGGER ${audit}_trg AFTER INSERT ON ${outboxTable} FOR EACH ROW INSERT INTO ${audit} VALUES (NEW.seq, NEW.id, NEW.msg_key)`,
    );
  } else {
    await db.query(
      `CREATE FUNCTION ${audit}_fn() RETURNS trigger AS $$ BEGIN INSERT INTO ${audit} VALUES (NEW.seq, NEW.id::text, NEW.msg_key); RETURN NEW; END $$ LANGUAGE plpgsql`,
    );
    await db.query(
      `CREATE TRIGGER ${audit}_trg AFTER INSERT ON ${outboxTable} FOR EACH ROW EXECUTE FUNCTION ${audit}_fn()`,
    );
  }
  return {
    async expected() {
      const rows = await db.query<{ id: string; msg_key: string | null }>(
        `SELECT id, msg_key FROM ${audit} ORDER BY seq`,
      );
      const byKey = new Map<string | null, string[]>();
      for (const row of rows) {
        let list = byKey.get(row.msg_key);
        if (!list) byKey.set(row.msg_key, (list = []));
        list.push(row.id);
      }
      return byKey;
    },
    async drop() {
      // A MariaDB trigger lives on the outbox table: dropping the audit table leaves it behind.
      if (db.name === 'mariadb') await db.query(`DROP TRIGGER IF EXISTS ${audit}_trg`);
      await db.query(`DROP TABLE IF EXISTS ${audit}`);
      if (db.name !== 'mariadb') await db.query(`DROP FUNCTION IF EXISTS ${audit}_fn() CASCADE`);
    },
  };
}

/**
 * Kills the server session holding a relay's lease on shard 0: the database dropping the
 * relay's connection, as a failover or a network cut would. Not possible on PGlite.
 */
export async function killLeaseHolder(db: OutboxTestDatabase, outboxTable: string): Promise<boolean> {
  const executor = db.name === 'mariadb' ? mysqlExecutor(db.database as never) : postgresExecutor(db.database as never);
  const lease = leaseKey(await db.dialect.tableIdentity(executor, outboxTable));
  if (db.name === 'mariadb') {
    const [row] = await db.query<{ holder: number | null }>('SELECT IS_USED_LOCK(?) AS holder', [lease.name(0)]);
    if (!row?.holder) return false;
    await db.query(`KILL ${Number(row.holder)}`);
    return true;
  }
  const rows = await db.query<{ pid: number }>(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = (?::int4)::oid AND objid = 0 AND objsubid = 2 AND granted`,
    [lease.space],
  );
  for (const { pid } of rows) await db.query('SELECT pg_terminate_backend(?)', [pid]);
  return rows.length > 0;
}

/** The outbox's records in a topic of the in-memory Kafka, in log order per partition. */
export function publishedEvents(
  kafka: { records(topic: string, partition: number): ConsumedRecord[] },
  topic: string,
  partitions: number,
): Array<{ key: string | null; id: string; type: string; value: unknown; record: ConsumedRecord }> {
  return Array.from({ length: partitions }, (_, p) => kafka.records(topic, p)).flatMap((records) =>
    records.map((record) => ({
      key: record.key?.toString('utf8') ?? null,
      id: String(record.headers['ordo-id']),
      type: String(record.headers['ordo-type']),
      value: record.value === null ? null : JSON.parse(record.value.toString('utf8')),
      record,
    })),
  );
}
