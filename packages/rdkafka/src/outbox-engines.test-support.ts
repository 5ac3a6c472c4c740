import type { OutboxTransaction, SqlDatabase } from '@ordo/core';
import mysql from 'mysql2/promise';
import pg from 'pg';

export const PG_URL = process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.ORDO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A database engine as the outbox tests through the real client need it. */
export interface OutboxEngine {
  readonly name: 'PostgreSQL' | 'MariaDB';
  /** A fresh pool of `size` connections, and how to end it. */
  pool(size: number): { database: SqlDatabase; end(): Promise<void> };
  /** Runs `fn` in a transaction on the application's own handle, as the outbox wants. */
  transaction<T>(database: SqlDatabase, fn: (tx: OutboxTransaction) => Promise<T>): Promise<T>;
}

export const POSTGRES_ENGINE: OutboxEngine = {
  name: 'PostgreSQL',
  pool: (size) => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: size });
    return { database: pool, end: () => pool.end() };
  },
  async transaction(database, fn) {
    const client = await (database as pg.Pool).connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  },
};

export const MARIADB_ENGINE: OutboxEngine = {
  name: 'MariaDB',
  pool: (size) => {
    const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: size });
    return { database: pool, end: () => pool.end() };
  },
  async transaction(database, fn) {
    const conn = await (database as mysql.Pool).getConnection();
    try {
      await conn.beginTransaction(); // the documented usage: outbox writes inside a transaction
      const result = await fn(conn);
      await conn.commit();
      return result;
    } catch (error) {
      await conn.rollback();
      throw error;
    } finally {
      conn.release();
    }
  },
};
