import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InMemoryKafka } from '../drivers/memory/in-memory-kafka.js';
import { createProducer } from '../producer/producer.js';
import { connectMysql, connectPostgres, useTestDatabase } from '../sql/databases.test-support.js';
import { waitFor } from '../testing/wait-for.js';
import { createDeadLetterAdmin } from './dead-letter-admin.js';
import { SqlParkingLot } from './sql-parking-lot.js';
import { parkingConsumer } from './parking-consumer.test-support.js';

const CHILD = fileURLToPath(new URL('./sql-parking-lot.test-child.ts', import.meta.url));

/** Runs the child that parks `key` and dies by SIGKILL before its dead-letter write ends. */
function crashMidPark(args: readonly string[]): Promise<{ signal: string | null; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=source', CHILD, ...args],
      { timeout: 30_000 },
      (error, stdout) => resolve({ signal: (error as { signal?: string } | null)?.signal ?? null, stdout }),
    );
  });
}

for (const [name, connect, dialect] of [
  ['PostgreSQL', connectPostgres, 'postgres'],
  ['MariaDB', connectMysql, 'mysql'],
] as const) {
  describe(`SqlParkingLot on ${name}: a process killed between beginPark and endPark`, () => {
    const { db, table: newTable } = useTestDatabase(connect);

    /**
     * The first owner dead-letters U's v1 and stops; v2 arrives; the next owner (the
     * child) parks U for v2's dead letter and is killed before writing it. Returns what
     * a restarted process needs.
     */
    const crashed = async () => {
      const tables = { table: newTable('ordo_parked'), pendingTable: newTable('ordo_parked_pending') };
      const lot = () => new SqlParkingLot({ executor: db().executor, ...tables });
      await lot().migrate();
      const kafka = new InMemoryKafka({ topics: [{ name: 'users', partitions: 2 }] });
      const producer = createProducer({ driver: kafka });
      let broken = true;
      const handled: string[] = [];
      const parked: string[] = [];
      const member = async (start = true) => {
        const parkingLot = lot(); // a fresh store object: a new process
        const consumer = parkingConsumer(kafka, parkingLot);
        consumer.handle<{ v: number }>('users', '*', (event) => {
          if (broken && event.key === 'U') throw new Error(`cannot apply v${event.value.v}`);
          handled.push(`${event.topic === 'users' ? 'main' : 'dl'}:${event.key}:${event.value.v}`);
        });
        consumer.on('dead-lettered', (d) => parked.push(`${d.record.key}:${d.reason}`));
        if (start) await consumer.start();
        return { consumer, parkingLot };
      };
      const first = await member();
      const { partition } = await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 1 } });
      await waitFor(() => parked.length === 1);
      await first.consumer.stop();
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 2 } });
      const outcome = await crashMidPark([
        dialect,
        tables.table,
        tables.pendingTable,
        'users',
        String(partition),
        Buffer.from('U').toString('hex'),
      ]);
      expect(outcome).toEqual({ signal: 'SIGKILL', stdout: 'parked\n' });
      expect((await lot().list('users')).map((p) => [p.key, p.pendingWrites])).toEqual([['U', 1]]);
      return { kafka, producer, lot, member, handled, parked, fix: () => (broken = false) };
    };

    it('after a restart the key resolves once its dead letters are handled', async () => {
      const { producer, member, handled, parked, fix, lot } = await crashed();
      const restarted = await member();
      // v2 was never committed: the restarted owner dead-letters it again, behind v1.
      await waitFor(() => parked.length === 2);
      expect(parked).toEqual(['U:handler-error', 'U:parked']);
      fix();
      const deadLetters = restarted.consumer.deadLetterConsumer();
      const resolved: string[] = [];
      deadLetters.on('resolved', (r) => resolved.push(r.key));
      await deadLetters.start();
      await waitFor(() => resolved.length === 1, { describe: () => JSON.stringify(handled) });
      expect(await lot().list('users')).toEqual([]);
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 3 } });
      await waitFor(() => handled.length === 3, { describe: () => JSON.stringify({ handled, parked }) });
      expect(handled).toEqual(['dl:U:1', 'dl:U:2', 'main:U:3']);
      await deadLetters.stop();
      await restarted.consumer.stop();
    }, 60_000);

    it("after a restart an operator's discard resolves the key", async () => {
      const { kafka, producer, member, handled, parked, fix, lot } = await crashed();
      const restarted = await member();
      await waitFor(() => parked.length === 2);
      const admin = createDeadLetterAdmin({ driver: kafka, parkingLot: restarted.parkingLot });
      expect(await admin.discard({ topic: 'users', key: 'U', operator: 'alice', reason: 'test' })).toBe(2);
      expect(await lot().list('users')).toEqual([]);
      fix();
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 3 } });
      await waitFor(() => handled.length === 1, { describe: () => JSON.stringify({ handled, parked }) });
      expect(handled).toEqual(['main:U:3']);
      expect(parked).toHaveLength(2);
      await restarted.consumer.stop();
    }, 60_000);

    it('without a restart, an operator repair clears the dead write (dry run first) and the key resolves', async () => {
      const { kafka, producer, member, handled, parked, fix, lot } = await crashed();
      const admin = createDeadLetterAdmin({ driver: kafka, parkingLot: lot() });
      const who = { operator: 'alice', pendingOlderThanMs: 0 };
      const dry = await admin.repair({ ...who, dryRun: true });
      const expected = {
        topic: 'users',
        key: 'U',
        clearedPending: 1,
        lastDeadLetterOffset: { from: 0, to: 0 },
        handledThrough: -1,
        resolved: false, // v1's dead letter is not handled yet
      };
      expect(dry).toMatchObject({ dryRun: true, keys: [expected] });
      expect((await lot().list('users'))[0]!.pendingWrites).toBe(1);
      expect(await admin.repair(who)).toMatchObject({ dryRun: false, keys: [expected] });
      expect((await lot().list('users'))[0]!.pendingWrites).toBe(0);
      // The dead-letter consumer drains v1: nothing pending any more, so U resolves...
      fix();
      const restarted = await member(false);
      const deadLetters = restarted.consumer.deadLetterConsumer();
      const resolved: string[] = [];
      deadLetters.on('resolved', (r) => resolved.push(r.key));
      await deadLetters.start();
      await waitFor(() => resolved.length === 1);
      expect(await lot().list('users')).toEqual([]);
      // ... and v2, never dead-lettered, takes the normal path, after v1.
      await restarted.consumer.start();
      await waitFor(() => handled.length === 2, { describe: () => JSON.stringify({ handled, parked }) });
      expect(handled).toEqual(['dl:U:1', 'main:U:2']);
      await producer.publish({ topic: 'users', key: 'U', type: 'e', value: { v: 3 } });
      await waitFor(() => handled.length === 3);
      expect(handled.at(-1)).toBe('main:U:3');
      await deadLetters.stop();
      await restarted.consumer.stop();
    }, 60_000);
  });
}
