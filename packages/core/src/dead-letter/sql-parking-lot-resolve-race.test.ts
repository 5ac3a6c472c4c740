import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  connectMysql,
  connectPostgres,
  MYSQL_URL,
  PG_URL,
  useTestDatabase,
  type TestDatabase,
} from '../sql/databases.test-support.js';
import { mysqlExecutor, postgresExecutor, type SqlExecutor } from '../sql/sql-executor.js';
import { SqlParkingLot } from './sql-parking-lot.js';

/** One connection of its own (for an explicit transaction), its session id and whether another session waits on its locks. */
interface Session {
  readonly executor: SqlExecutor;
  readonly id: number;
  blocksAnother(pool: SqlExecutor): Promise<boolean>;
  close(): Promise<void>;
}

async function postgresSession(): Promise<Session> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const executor = postgresExecutor(client);
  const { rows } = await executor.query<{ id: number }>('SELECT pg_backend_pid() AS id');
  const id = rows[0]!.id;
  return {
    executor,
    id,
    blocksAnother: async (pool) =>
      (
        await pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND ? = ANY(pg_blocking_pids(pid))`,
          [id],
        )
      ).rows.length > 0,
    close: () => client.end(),
  };
}

async function mysqlSession(): Promise<Session> {
  const connection = await mysql.createConnection({ uri: MYSQL_URL });
  const executor = mysqlExecutor(connection);
  const { rows } = await executor.query<{ id: number }>('SELECT CONNECTION_ID() AS id');
  const id = Number(rows[0]!.id);
  return {
    executor,
    id,
    blocksAnother: async (pool) =>
      (
        await pool.query(
          `SELECT 1 FROM information_schema.INNODB_LOCK_WAITS w
           JOIN information_schema.INNODB_TRX t ON t.trx_id = w.blocking_trx_id WHERE t.trx_mysql_thread_id = ?`,
          [id],
        )
      ).rows.length > 0,
    close: () => connection.end(),
  };
}

/**
 * An executor that, just before the resolver's `DELETE` on the keys table, runs `before`
 * (once): that DELETE then takes its snapshot after whatever `before` did.
 */
function pausingBeforeResolve(inner: SqlExecutor, keys: string, before: () => Promise<void>): SqlExecutor {
  let pending: (() => Promise<void>) | undefined = before;
  return {
    dialect: inner.dialect,
    async query(sql, params) {
      if (pending && sql.trimStart().startsWith(`DELETE FROM ${keys}`)) {
        const run = pending;
        pending = undefined;
        await run();
      }
      return inner.query(sql, params);
    },
  };
}

/** Whether `session` holds a lock another session waits on, within five seconds. */
async function blocksAnother(session: Session, pool: SqlExecutor): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < 5_000;) {
    if (await session.blocksAnother(pool)) return true;
    // Slower than 100 ms: MariaDB refreshes its INNODB_TRX tables only after that long unread.
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return false;
}

for (const [name, connect, open] of [
  ['PostgreSQL', connectPostgres, postgresSession],
  ['MariaDB', connectMysql, mysqlSession],
] as const satisfies readonly (readonly [string, () => Promise<TestDatabase>, () => Promise<Session>])[]) {
  describe(`SqlParkingLot on ${name}: a resolve racing a beginPark`, () => {
    const { db, table: newTable } = useTestDatabase(connect);

    // PostgreSQL (READ COMMITTED): a DELETE blocked on a row lock re-checks only that
    // row's own conditions on its new version (EvalPlanQual), while its NOT EXISTS keeps
    // the statement's snapshot. A beginPark committing while the resolve waits on the key
    // row must still keep the key parked, or the dead letter it writes is skipped (O2).
    it('keeps a key parked when beginPark commits while the resolve waits on the key row', async () => {
      const keys = newTable('ordo_parked');
      const pendingTable = newTable('ordo_parked_pending');
      const key = Buffer.from('K');
      const session = await open();
      try {
        // The main consumer's process: its beginPark runs inside the session's
        // transaction, so both its statements become visible only at COMMIT, and the key
        // row stays locked from its upsert on.
        const main = new SqlParkingLot({ executor: session.executor, table: keys, pendingTable });
        await main.migrate();
        await main.beginPark('users', 0, key);
        await main.endPark('users', key, 5); // dead letter 5 written and recorded

        // The dead-letter consumer's process handles dead letter 5; right before its
        // resolving DELETE, the main consumer begins parking the key's next event.
        const deadLetters = new SqlParkingLot({
          executor: pausingBeforeResolve(db().executor, keys, async () => {
            await session.executor.query('BEGIN');
            await main.beginPark('users', 0, key);
          }),
          table: keys,
          pendingTable,
        });
        const handling = deadLetters.handled('users', key, 5);
        // The resolve has taken its snapshot and waits on the key row's lock.
        expect(await blocksAnother(session, db().executor)).toBe(true);
        await session.executor.query('COMMIT');
        await handling;

        // A dead letter is being written for the key: it must still be parked.
        expect(await deadLetters.check('users', key)).toBe(true);
        expect(await deadLetters.settled('users', key, 6)).toBe(false);
        // Once that write is recorded and handled, the key resolves as usual.
        await main.endPark('users', key, 6);
        expect(await deadLetters.handled('users', key, 6)).toBe(true);
        expect(await deadLetters.check('users', key)).toBe(false);
      } finally {
        await session.close();
      }
    });
  });
}
