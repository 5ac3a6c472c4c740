import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConsumerEvents } from '../consumer/consumer-events.js';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { HandlerError } from '../errors.js';
import { createProducer } from '../producer/producer.js';
import { startCuttableProxy, targetOf, throughProxy, type CuttableProxy } from '../testing/cuttable-proxy.js';
import { MYSQL_URL, PG_URL, uniqueTable } from '../sql/databases.test-support.js';
import { mysqlExecutor, postgresExecutor, type SqlExecutor } from '../sql/sql-executor.js';
import { waitFor } from '../testing/wait-for.js';
import { SqlParkingLot } from './sql-parking-lot.js';
import { parkingConsumer } from './parking-consumer.test-support.js';

interface ProxiedDatabase {
  readonly executor: SqlExecutor;
  readonly proxy: CuttableProxy;
  close(): Promise<void>;
}

/** A pool that reaches the shared server only through a proxy this test can cut. */
async function proxied(name: 'postgres' | 'mariadb'): Promise<ProxiedDatabase> {
  const url = name === 'postgres' ? PG_URL : MYSQL_URL;
  const proxy = await startCuttableProxy(targetOf(url, name === 'postgres' ? 5432 : 3306));
  if (name === 'postgres') {
    const pool = new pg.Pool({ connectionString: throughProxy(url, proxy), max: 4, connectionTimeoutMillis: 2_000 });
    // An idle client losing its connection is the application's pool's event (pg's docs):
    // without a listener pg throws it. Ordo's statements see their own errors.
    pool.on('error', () => undefined);
    return { executor: postgresExecutor(pool), proxy, close: async () => (await pool.end(), proxy.close()) };
  }
  const pool = mysql.createPool({ uri: throughProxy(url, proxy), connectionLimit: 4, connectTimeout: 2_000 });
  return { executor: mysqlExecutor(pool), proxy, close: async () => (await pool.end(), proxy.close()) };
}

for (const name of ['postgres', 'mariadb'] as const) {
  describe(`a parking-lot database lost and back (SqlParkingLot on ${name} through a cut proxy)`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it('reports error events for the held record, keeps other keys flowing, and dead-letters everything in order once back', async () => {
      const db = await proxied(name);
      const table = uniqueTable('ordo_parked_outage');
      cleanups.push(async () => {
        db.proxy.restore();
        await db.executor.query(`DROP TABLE IF EXISTS ${table}`);
        await db.close();
      });
      const parkingLot = new SqlParkingLot({ executor: db.executor, table });
      await parkingLot.migrate();

      const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 1 }] });
      const producer = createProducer({ driver: kafka });
      const consumer = parkingConsumer(kafka, parkingLot);
      const handled: string[] = [];
      consumer.handle('users', '*', (event) => {
        if (event.key === 'P') throw new HandlerError('poison', { retriable: false });
        handled.push(`${event.key}:${(event.value as { n: number }).n}`);
      });
      const errors: ConsumerEvents['error'][] = [];
      const deadLettered: ConsumerEvents['dead-lettered'][] = [];
      consumer.on('error', (e) => errors.push(e));
      consumer.on('dead-lettered', (e) => deadLettered.push(e));
      await consumer.start();

      db.proxy.cut();
      const poison = await producer.publish({ topic: 'users', key: 'P', type: 't', value: { n: 1 } });
      for (let n = 2; n <= 3; n++) await producer.publish({ topic: 'users', key: 'P', type: 't', value: { n } });
      for (let n = 1; n <= 50; n++)
        await producer.publish({ topic: 'users', key: `k${n % 5}`, type: 't', value: { n } });

      // Down: the poison's park keeps failing, loudly, with its coordinates; other keys flow (O3).
      await waitFor(() => errors.length >= 3 && handled.length === 50, {
        timeoutMs: 20_000,
        describe: () => `${errors.length} errors, ${handled.length} handled`,
      });
      expect(errors[0]!.record).toMatchObject({ topic: 'users', partition: 0, offset: poison.offset, key: 'P' });
      expect(errors[0]!.error.code).toBe('ORDO_DATABASE_ERROR');
      expect(errors[0]!.error.retriable).toBe(true);
      expect(deadLettered).toEqual([]);
      // Nothing committed past the unparked write (O2).
      await new Promise((r) => setTimeout(r, 300));
      const [committed] = await kafka.admin().committedOffsets('app', 'users');
      expect(committed!.offset).toBeLessThanOrEqual(poison.offset);

      db.proxy.restore();
      await waitFor(() => deadLettered.length === 3, {
        timeoutMs: 20_000,
        describe: () => `${deadLettered.length} dead-lettered`,
      });
      expect(deadLettered.map((d) => [d.record.offset, d.reason])).toEqual([
        [poison.offset, 'handler-error'],
        [poison.offset + 1, 'parked'],
        [poison.offset + 2, 'parked'],
      ]);
      expect(deadLettered.map((d) => d.deadLetterOffset)).toEqual([0, 1, 2]);
      expect((await parkingLot.list('users')).map((p) => p.key)).toEqual(['P']);
      if (name === 'postgres') {
        expect(errors.map((e) => e.error.message).join('\n')).toContain('Connection terminated unexpectedly');
      }

      // Lost again while the key is parked: asking the store whether it still is fails.
      db.proxy.cut();
      const errorsBefore = errors.length;
      const later = await producer.publish({ topic: 'users', key: 'P', type: 't', value: { n: 4 } });
      await producer.publish({ topic: 'users', key: 'k1', type: 't', value: { n: 51 } });
      await waitFor(() => errors.length >= errorsBefore + 2 && handled.length === 51, { timeoutMs: 20_000 });
      expect(errors.at(-1)!.record).toMatchObject({ offset: later.offset, key: 'P' });
      expect(deadLettered).toHaveLength(3);
      db.proxy.restore();
      await waitFor(() => deadLettered.length === 4, { timeoutMs: 20_000 });
      expect(deadLettered[3]).toMatchObject({
        record: { offset: later.offset },
        reason: 'parked',
        deadLetterOffset: 3,
      });

      await consumer.stop();
      const [final] = await kafka.admin().committedOffsets('app', 'users');
      expect(final!.offset).toBe(poison.offset + 55);
      expect(db.proxy.accepted).toBeGreaterThan(1); // it reconnected through the proxy
      await producer.disconnect();
    }, 60_000);
  });
}
