import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { InvalidConfigError } from '../errors.js';
import { createProducer } from '../producer/producer.js';
import { connectMysql, connectPostgres, useTestDatabase } from '../sql/databases.test-support.js';
import { waitFor } from '../testing/wait-for.js';
import { parkingLotContract } from './parking-lot-contract.test-support.js';
import { deadLetterScenarios } from '../testing/dead-letter-scenarios.js';
import { SqlParkingLot } from './sql-parking-lot.js';
import { parkingConsumer } from './parking-consumer.test-support.js';

for (const connect of [connectPostgres, connectMysql]) {
  describe(`SqlParkingLot on ${connect === connectPostgres ? 'PostgreSQL' : 'MariaDB'}`, () => {
    const { db, table: newTable } = useTestDatabase(connect);
    const pendingTables = new Map<string, string>();
    const make = async (table = newTable('ordo_parked')) => {
      if (!pendingTables.has(table)) pendingTables.set(table, newTable('ordo_parked_pending'));
      const lot = new SqlParkingLot({ executor: db().executor, table, pendingTable: pendingTables.get(table)! });
      await lot.migrate();
      await lot.migrate(); // idempotent
      return lot;
    };

    parkingLotContract(() => make(), { keepsUnendedWrites: true });

    it("load clears other processes' pending writes on the partitions it loads, and a zombie's late write never re-parks", async () => {
      const table = newTable('ordo_parked');
      const [a, b] = [await make(table), await make(table)]; // two processes
      const [k1, k2, k3] = ['k1', 'k2', 'k3'].map((k) => Buffer.from(k)) as [Buffer, Buffer, Buffer];
      await a.beginPark('users', 0, k1); // a dies (or goes zombie) mid-write
      await a.beginPark('users', 1, k2); // on a partition b does not take
      await b.beginPark('users', 0, k3); // b's own write in flight
      await b.load([{ topic: 'users', partition: 0 }]);
      const pending = async () =>
        Object.fromEntries((await b.list('users')).map((p) => [p.key, p.pendingWrites] as const));
      // k1 had no dead letter recorded and nothing pending any more: resolved, its event is redone by b.
      expect(await pending()).toEqual({ k2: 1, k3: 1 });
      expect(await b.check('users', k1)).toBe(false);
      // The zombie finishes its write late: the key stays resolved.
      await a.endPark('users', k1, 5);
      expect(await b.check('users', k1)).toBe(false);
      await b.endPark('users', k3, 6);
      expect(await b.handled('users', k3, 6)).toBe(true);
      await a.endPark('users', k2, 7);
      expect(await a.handled('users', k2, 7)).toBe(true);
    });

    it('migrates a table made by an older Ordo: its keys stay parked, a count it leaked clears on load', async () => {
      const table = newTable('ordo_parked');
      const ts = db().executor.dialect === 'postgres' ? 'timestamptz' : 'timestamp(3)';
      const now = db().executor.dialect === 'postgres' ? 'now()' : 'CURRENT_TIMESTAMP(3)';
      // The schema and rows of the previous version: keys as text, a bare pending counter.
      await db().executor.query(
        `CREATE TABLE ${table} (topic varchar(255) NOT NULL, key_hash char(64) NOT NULL, parked_key text NOT NULL,
          partition_no integer NOT NULL, pending integer NOT NULL, last_dl_offset bigint NOT NULL,
          handled_through bigint NOT NULL, parked_at ${ts} NOT NULL, PRIMARY KEY (topic, key_hash))`,
      );
      const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
      for (const [key, pending] of [
        ['kept', 0],
        ['leaked', 1], // a process died between beginPark and endPark
      ] as const) {
        await db().executor.query(`INSERT INTO ${table} VALUES ('users', ?, ?, 1, ?, 4, -1, ${now})`, [
          sha(key),
          key,
          pending,
        ]);
      }
      const lot = await make(table); // migrates, twice
      await lot.load([{ topic: 'users', partition: 1 }]);
      expect(lot.isParked('users', Buffer.from('kept'))).toBe(true);
      expect(lot.isParked('users', Buffer.from('leaked'))).toBe(true);
      const listed = (await lot.list('users')).map((p) => [p.key, p.keyBytes.toString(), p.pendingWrites]);
      expect(listed.sort()).toEqual([
        ['kept', 'kept', 0],
        ['leaked', 'leaked', 0],
      ]);
      expect(await lot.handled('users', Buffer.from('leaked'), 4)).toBe(true);
      // New parks on the old table store the exact bytes.
      await lot.beginPark('users', 1, Buffer.from([0xff, 0x01]));
      expect((await lot.list('users')).map((p) => p.key)).toContain('hex:ff01');
    });

    it('refuses a hostile table name', () => {
      expect(() => new SqlParkingLot({ executor: db().executor, table: 'x; DROP TABLE users' })).toThrow(
        InvalidConfigError,
      );
    });

    it('keeps a key parked across a consumer restart, and loads it for the partitions assigned', async () => {
      const table = newTable('ordo_parked');
      const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 2 }] });
      const producer = createProducer({ driver: kafka });
      const run = async () => {
        // A fresh store object each run: what survives is only what is in the database.
        const parkingLot = await make(table);
        const consumer = parkingConsumer(kafka, parkingLot);
        const handled: string[] = [];
        const parked: string[] = [];
        consumer.handle<{ v: number }>('users', '*', (event) => {
          if (event.key === 'U' && event.value.v === 1) throw new Error('poison');
          handled.push(`${event.key}:${event.value.v}`);
        });
        consumer.on('dead-lettered', (d) => parked.push(`${d.record.key}:${d.reason}`));
        await consumer.start();
        return { consumer, handled, parked, parkingLot };
      };
      const first = await run();
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 1 } });
      await waitFor(() => first.parked.length === 1);
      await first.consumer.stop();

      const second = await run();
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 2 } });
      await producer.publish({ topic: 'users', key: 'other', type: 'e', value: { v: 1 } });
      await waitFor(() => second.parked.length === 1 && second.handled.length === 1);
      await second.consumer.stop();
      expect(second.parked).toEqual(['U:parked']);
      expect(second.handled).toEqual(['other:1']);
      expect((await second.parkingLot.list('users')).map((p) => p.key)).toEqual(['U']);
    });
  });
}

for (const [name, connect] of [
  ['PostgreSQL', connectPostgres],
  ['MariaDB', connectMysql],
] as const) {
  describe(`dead-letter scenarios with SqlParkingLot on ${name}`, () => {
    const { db, table: newTable } = useTestDatabase(connect);
    deadLetterScenarios(
      () => new InMemoryKafka({ partitions: 4 }),
      30_000,
      () => {
        const table = newTable('ordo_parked');
        const pendingTable = newTable('ordo_parked_pending');
        return async () => {
          const lot = new SqlParkingLot({ executor: db().executor, table, pendingTable });
          await lot.migrate();
          return lot;
        };
      },
    );
  });
}
