/**
 * A consumer process that dies by SIGKILL between `beginPark` and `endPark`: it has
 * parked a key for a dead-letter write that never completes, the crash of
 * sql-parking-lot-crash.test.ts. Arguments: `postgres` or `mysql`, the table, the
 * pending table, the source topic, the partition, the key in hex.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlExecutor, postgresExecutor } from '../sql/sql-executor.js';
import { SqlParkingLot } from './sql-parking-lot.js';

const [dialect, table, pendingTable, topic, partition, keyHex] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const executor =
  dialect === 'postgres'
    ? postgresExecutor(
        new pg.Pool({ connectionString: process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' }),
      )
    : mysqlExecutor(mysql.createPool({ uri: process.env.ORDO_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' }));
const lot = new SqlParkingLot({ executor, table, pendingTable });
await lot.beginPark(topic, Number(partition), Buffer.from(keyHex, 'hex'));
process.stdout.write('parked\n');
process.kill(process.pid, 'SIGKILL'); // the dead-letter write and endPark never happen
