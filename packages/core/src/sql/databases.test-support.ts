import { afterAll, beforeAll } from 'vitest';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlExecutor, postgresExecutor, type SqlExecutor } from './sql-executor.js';

/** The machine's databases; override with ORDO_PG_URL and ORDO_MYSQL_URL. */
export const PG_URL = process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.ORDO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A connected database for one test file, with a cleanup. */
export interface TestDatabase {
  readonly name: 'postgres' | 'mariadb';
  readonly executor: SqlExecutor;
  close(): Promise<void>;
}

export async function connectPostgres(): Promise<TestDatabase> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 8 });
  return { name: 'postgres', executor: postgresExecutor(pool), close: () => pool.end() };
}

export async function connectMysql(): Promise<TestDatabase> {
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 8 });
  return { name: 'mariadb', executor: mysqlExecutor(pool), close: () => pool.end() };
}

/** A table name unique to one test run. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Connects before the enclosing describe's tests and, after them, drops every table it
 * handed out and disconnects.
 */
export function useTestDatabase(connect: () => Promise<TestDatabase>): {
  readonly db: () => TestDatabase;
  readonly table: (prefix: string) => string;
} {
  let db: TestDatabase | undefined;
  const tables: string[] = [];
  beforeAll(async () => {
    db = await connect();
  });
  afterAll(async () => {
    for (const t of tables) await db!.executor.query(`DROP TABLE IF EXISTS ${t}`);
    await db?.close();
  });
  return {
    db: () => db!,
    table: (prefix) => {
      const name = uniqueTable(prefix);
      tables.push(name);
      return name;
    },
  };
}
