import { mysqlExecutor, postgresExecutor, SqlFailedMessageStore, SqlParkingLot } from '@ordo/core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { FailedMessagesConfig, ParkingLotConfig } from './child-config.js';

/** The machine's databases (shared by every test: never stopped, only proxied). */
export const PG_URL = process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MYSQL_URL = process.env.ORDO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** Creates a parking-lot table for one run, and how to drop it afterwards. */
export async function prepareParkingLot(
  kind: 'postgres' | 'mysql',
  table: string,
  url = kind === 'postgres' ? PG_URL : MYSQL_URL,
): Promise<{ config: ParkingLotConfig; drop(): Promise<void> }> {
  if (kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    await new SqlParkingLot({ executor: postgresExecutor(pool), table }).migrate();
    return {
      config: { kind, url, table },
      drop: async () => {
        await pool.query(`DROP TABLE IF EXISTS ${table}`);
        await pool.end();
      },
    };
  }
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 1 });
  await new SqlParkingLot({ executor: mysqlExecutor(pool), table }).migrate();
  return {
    config: { kind, url, table },
    drop: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    },
  };
}

/** What the runner reads back of a failed-message entry. */
export interface SetAsideEntry {
  readonly failureId: string;
  readonly id: string;
  readonly bytes: number;
}

/**
 * Creates a failed-message table on PostgreSQL for one run: where consumers set aside the
 * values of dead letters too large to write. `read` lists what it holds after the run.
 */
export async function prepareFailedMessages(
  table: string,
): Promise<{ config: FailedMessagesConfig; read(): Promise<SetAsideEntry[]>; drop(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
  const store = new SqlFailedMessageStore({ executor: postgresExecutor(pool), table });
  await store.migrate();
  return {
    config: { url: PG_URL, table },
    read: async () =>
      (await store.list({ limit: 10_000 })).map((m) => ({
        failureId: m.failureId,
        id: m.messageId,
        bytes: m.payload?.length ?? 0,
      })),
    drop: async () => {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
      await pool.end();
    },
  };
}
