import { KafkaParkingLot, postgresExecutor, SqlParkingLot } from '@ordo/core';
import pg from 'pg';
import { deadLetterScenarios } from '@ordo/core/testing';
import { afterAll, beforeAll, describe } from 'vitest';
import { mockDriver, startMockCluster, type MockCluster } from './test-support.js';

let cluster: MockCluster;
beforeAll(() => {
  cluster = startMockCluster({ brokers: 3 });
});
afterAll(() => cluster.close());

describe('dead letters on @ordo/rdkafka with @ordo/kafka-mock', () => {
  deadLetterScenarios(() => mockDriver(cluster), 60_000);
});

describe('dead letters on @ordo/rdkafka with a KafkaParkingLot (no database)', () => {
  const lots: KafkaParkingLot[] = [];
  afterAll(async () => {
    await Promise.all(lots.map((l) => l.close()));
  });
  deadLetterScenarios(
    () => mockDriver(cluster),
    60_000,
    () => {
      const topic = `parking-${Math.random().toString(36).slice(2, 8)}`;
      return async () => {
        const lot = new KafkaParkingLot({ driver: mockDriver(cluster), topic, partitions: 3 });
        lots.push(lot);
        return lot;
      };
    },
  );
});

describe('dead letters on @ordo/rdkafka with a SqlParkingLot on PostgreSQL', () => {
  const pool = new pg.Pool({ connectionString: process.env.ORDO_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
  const tables: string[] = [];
  afterAll(async () => {
    for (const t of tables) await pool.query(`DROP TABLE IF EXISTS ${t}`);
    await pool.end();
  });
  deadLetterScenarios(
    () => mockDriver(cluster),
    60_000,
    () => {
      const table = `ordo_parked_${Math.random().toString(36).slice(2, 8)}`;
      tables.push(table, `${table}_pending`);
      return async () => {
        const lot = new SqlParkingLot({ executor: postgresExecutor(pool), table });
        await lot.migrate();
        return lot;
      };
    },
  );
});
