import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailedMessageNotFoundError } from '../../errors.js';
import { inTransaction } from '../../sql/database.js';
import { postgresExecutor, mysqlExecutor, type SqlExecutor } from '../../sql/sql-executor.js';
import { OUTBOX_DATABASES, outboxTables, type OutboxTestDatabase } from '../outbox.test-support.js';
import type { FailedMessageStore, NewFailedMessage } from './failed-message.js';
import { NdjsonFailedMessageStore } from './ndjson-failed-message-store.js';
import { SqlFailedMessageStore } from './sql-failed-message-store.js';

const entry = (n: number, topic = 'users'): NewFailedMessage => ({
  messageId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  origin: 'publish',
  topic,
  key: `k${n}`,
  type: 'user-created',
  payload: Buffer.from(JSON.stringify({ n })),
  headers: { traceparent: `t${n}` },
  occurredAt: 1_700_000_000_000 + n,
  error: 'broker unreachable',
});

/** The behaviour every store must have. */
function storeContract(makeStore: () => Promise<FailedMessageStore>): void {
  it('adds, lists oldest first, gets, updates and deletes', async () => {
    const store = await makeStore();
    const a = await store.add(entry(1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await store.add(entry(2, 'orders'));
    expect(a).toMatchObject({ status: 'failed', attempts: 1, origin: 'publish' });
    expect((await store.list()).map((m) => m.failureId)).toEqual([a.failureId, b.failureId]);
    expect((await store.list({ topic: 'orders' })).map((m) => m.failureId)).toEqual([b.failureId]);
    const got = await store.get(a.failureId);
    expect(got?.payload?.toString()).toBe('{"n":1}');
    expect(got?.headers).toEqual({ traceparent: 't1' });
    expect(got?.occurredAt).toBe(1_700_000_000_001);
    const updated = await store.update(a.failureId, { status: 'republished', attempts: 2 });
    expect(updated).toMatchObject({ status: 'republished', attempts: 2 });
    expect((await store.list()).map((m) => m.failureId)).toEqual([b.failureId]);
    expect((await store.list({ status: 'all' })).length).toBe(2);
    expect(await store.delete(b.failureId)).toBe(true);
    expect(await store.delete(b.failureId)).toBe(false);
    await expect(store.update(b.failureId, { attempts: 3 })).rejects.toBeInstanceOf(FailedMessageNotFoundError);
    expect(await store.get(b.failureId)).toBeUndefined();
  });
}

describe.each(OUTBOX_DATABASES)('SqlFailedMessageStore on %s', (_name, connect) => {
  let db: OutboxTestDatabase;
  let executor: SqlExecutor;
  const tables: string[] = [];
  beforeAll(async () => {
    db = await connect();
    executor = db.name === 'mariadb' ? mysqlExecutor(db.database as never) : postgresExecutor(db.database as never);
  });
  afterAll(async () => {
    for (const t of tables) await db.query(`DROP TABLE IF EXISTS ${t}`);
    await db.close();
  });
  storeContract(async () => {
    const table = outboxTables().failed;
    tables.push(table);
    const store = new SqlFailedMessageStore({ executor, table });
    await store.migrate();
    return store;
  });

  it('adds inside a transaction, and a rollback takes it back', async () => {
    const table = outboxTables().failed;
    tables.push(table);
    const store = new SqlFailedMessageStore({ executor, table });
    await store.migrate();
    await expect(
      inTransaction(db.database, async (tx) => {
        await store.within(tx).add(entry(3));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await store.list()).toEqual([]);
  });
});

describe('NdjsonFailedMessageStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ordo-spool-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  let n = 0;
  storeContract(async () => new NdjsonFailedMessageStore({ path: join(dir, `spool-${++n}`, 'failed.ndjson') }));

  it('survives a restart, ignores a line torn by a crash, and compacts', async () => {
    const path = join(dir, 'restart.ndjson');
    const first = new NdjsonFailedMessageStore({ path });
    const a = await first.add(entry(1));
    const b = await first.add(entry(2));
    await first.delete(a.failureId);
    await first.close();
    await appendFile(path, '{"op":"add","message":{"failureId":"torn'); // crash mid-append
    const second = new NdjsonFailedMessageStore({ path });
    expect((await second.list()).map((m) => m.failureId)).toEqual([b.failureId]);
    const c = await second.add(entry(3));
    await second.close();
    const third = new NdjsonFailedMessageStore({ path });
    expect((await third.list()).map((m) => m.failureId)).toEqual([b.failureId, c.failureId]);
    await third.compact();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(2);
    expect((await third.list()).map((m) => m.payload?.toString())).toEqual(['{"n":2}', '{"n":3}']);
    await third.close();
  });
});
