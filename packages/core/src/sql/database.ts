import { InvalidConfigError } from '../errors.js';
import {
  mysqlExecutor,
  postgresExecutor,
  type MysqlQueryable,
  type PostgresQueryable,
  type SqlExecutor,
} from './sql-executor.js';

/** The part of a `pg` PoolClient Ordo uses for a long-lived session. */
export interface PostgresPoolClient extends PostgresQueryable {
  release(destroy?: boolean | Error): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/** The part of a `pg` Pool Ordo uses. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
}

/** The part of a PGlite instance Ordo uses: one in-process session. */
export interface PgliteDatabase extends PostgresQueryable {
  transaction<T>(fn: (tx: PostgresQueryable) => Promise<T>): Promise<T>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** The part of a `mysql2/promise` PoolConnection Ordo uses. */
export interface MysqlPoolConnection extends MysqlQueryable {
  release(): void;
  destroy(): void;
  beginTransaction(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** The part of a `mysql2/promise` Pool Ordo uses. */
export interface MysqlPool {
  getConnection(): Promise<MysqlPoolConnection>;
}

/** A database Ordo can open sessions and transactions on: a `pg` Pool, PGlite, or a `mysql2` Pool. */
export type SqlDatabase = PostgresPool | PgliteDatabase | MysqlPool;

/** One connection held for a while: a relay's leases and wake-ups live on it. */
export interface SqlSession {
  readonly executor: SqlExecutor;
  /** Calls `onNotify` for each notification on `channel`. PostgreSQL only. */
  listen(channel: string, onNotify: () => void): Promise<void>;
  /** Calls `onLost` once if the connection breaks. */
  onLost(handler: (error: Error) => void): void;
  /** Gives the connection back; `destroy` closes it instead (its locks die with it). */
  release(destroy?: boolean): Promise<void>;
}

/** Which engine a database is, told by its shape. */
export function dialectOf(db: SqlDatabase): 'postgres' | 'mysql' {
  if (isMysqlPool(db)) return 'mysql';
  if (isPglite(db) || typeof (db as PostgresPool).connect === 'function') return 'postgres';
  throw new InvalidConfigError('database', 'must be a pg Pool, a PGlite instance or a mysql2/promise Pool');
}

/** Opens a session on its own connection. */
export async function openSession(db: SqlDatabase): Promise<SqlSession> {
  if (isMysqlPool(db)) return mysqlSession(await db.getConnection());
  if (isPglite(db)) return pgliteSession(db);
  dialectOf(db);
  return postgresSession(await (db as PostgresPool).connect());
}

/**
 * Runs `fn` in one transaction: commit when it resolves, roll back when it throws.
 * The executor handed to `fn` is the transaction's.
 */
export async function inTransaction<T>(db: SqlDatabase, fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
  if (isPglite(db)) return db.transaction((tx) => fn(postgresExecutor(tx)));
  if (isMysqlPool(db)) {
    const conn = await db.getConnection();
    try {
      await conn.beginTransaction();
      const result = await fn(mysqlExecutor(conn));
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback().catch(() => undefined);
      throw error;
    } finally {
      conn.release();
    }
  }
  const client = await (db as PostgresPool).connect();
  let broken: unknown;
  // A checked-out client whose connection breaks emits 'error'; without a listener that
  // would crash the process. The statement in flight rejects anyway.
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(postgresExecutor(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken instanceof Error ? broken : undefined);
  }
}

function isMysqlPool(db: SqlDatabase): db is MysqlPool {
  return typeof (db as MysqlPool).getConnection === 'function';
}

function isPglite(db: SqlDatabase): db is PgliteDatabase {
  return (
    typeof (db as PgliteDatabase).transaction === 'function' && typeof (db as PgliteDatabase).listen === 'function'
  );
}

function postgresSession(client: PostgresPoolClient): SqlSession {
  const channels = new Map<string, () => void>();
  let lostHandler: ((error: Error) => void) | undefined;
  client.on('notification', (message) => channels.get(message.channel)?.());
  client.on('error', (error) => lostHandler?.(error));
  return {
    executor: postgresExecutor(client),
    async listen(channel, onNotify) {
      channels.set(channel, onNotify);
      // Channel names are validated identifiers (see outbox tables), never input.
      await client.query(`LISTEN ${channel}`);
    },
    onLost: (handler) => (lostHandler = handler),
    async release() {
      // Never back into the pool: the connection carries this session's listeners and LISTENs.
      client.release(new Error('session closed'));
    },
  };
}

function pgliteSession(db: PgliteDatabase): SqlSession {
  const unlisten: Array<() => Promise<void>> = [];
  return {
    executor: postgresExecutor(db),
    async listen(channel, onNotify) {
      unlisten.push(await db.listen(channel, () => onNotify()));
    },
    onLost: () => undefined,
    async release() {
      for (const stop of unlisten.splice(0)) await stop();
    },
  };
}

function mysqlSession(conn: MysqlPoolConnection): SqlSession {
  let lostHandler: ((error: Error) => void) | undefined;
  (conn as unknown as { on?: (e: string, l: (error: Error) => void) => void }).on?.('error', (error) =>
    lostHandler?.(error),
  );
  return {
    executor: mysqlExecutor(conn),
    async listen() {
      throw new InvalidConfigError('listen', 'MySQL has no LISTEN/NOTIFY; the relay polls');
    },
    onLost: (handler) => (lostHandler = handler),
    async release(destroy = false) {
      if (destroy) conn.destroy();
      else conn.release();
    },
  };
}
