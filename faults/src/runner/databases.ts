import { mysqlExecutor, postgresExecutor, SqlParkingLot } from '@ordo/core';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { ParkingLotConfig } from './child-config.js';

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
