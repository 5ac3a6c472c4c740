import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractRegistry } from '../../contracts/contract-registry.js';
import { InMemoryKafka } from '../../drivers/memory/in-memory-kafka.js';
import { ContractViolationError, FailedMessageNotFoundError, ReplayRefusedError } from '../../errors.js';
import { silentLogger } from '../../internal/logger.js';
import { createProducer } from '../../producer/producer.js';
import { postgresExecutor, mysqlExecutor } from '../../sql/sql-executor.js';
import { createOutbox, type Outbox } from '../outbox.js';
import { OUTBOX_DATABASES, outboxTables, publishedEvents, type OutboxTestDatabase } from '../outbox.test-support.js';
import { createFailedMessages, type FailedMessages, type RetryProgress } from './failed-messages.js';
import { SqlFailedMessageStore } from './sql-failed-message-store.js';

const contracts = new ContractRegistry().topic('users', {
  events: {
    'user-created': {
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
    },
  },
});

describe.each(OUTBOX_DATABASES)('failed-message operator commands on %s', (_name, connect) => {
  let db: OutboxTestDatabase;
  let outbox: Outbox;
  let tables: ReturnType<typeof outboxTables>;
  let failed: FailedMessages;
  const kafka = new InMemoryKafka({ partitions: 2 });
  const producer = createProducer({ driver: kafka, contracts });

  beforeAll(async () => {
    db = await connect();
    tables = outboxTables();
    outbox = createOutbox({ dialect: db.dialect, contracts, tables, logger: silentLogger });
    await db.transaction((tx) => outbox.migrate(tx));
    const executor =
      db.name === 'mariadb' ? mysqlExecutor(db.database as never) : postgresExecutor(db.database as never);
    const store = new SqlFailedMessageStore({ executor, table: tables.failed });
    failed = createFailedMessages({ store, contracts, producer, outbox: { outbox, database: db.database } });
  });
  afterAll(async () => {
    for (const t of [tables.outbox, tables.failed, tables.inbox, `${tables.outbox}_key_locks`]) {
      await db.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await producer.disconnect();
    await db.close();
  });

  const quarantine = async (id: string, email: string) => {
    const result = await db.transaction((tx) =>
      outbox.write(tx, { topic: 'users', key: id, type: 'user-created', value: { id, email } }),
    );
    if (result.status !== 'quarantined') throw new Error('expected a quarantine');
    return result;
  };

  it('lists, shows, refuses a retry that still breaks the contract, and counts the attempt', async () => {
    const q = await quarantine('u1', 'broken');
    const [listed] = await failed.list();
    expect(listed).toMatchObject({ failureId: q.failureId, messageId: q.id, origin: 'outbox', attempts: 1 });
    expect((await failed.show(q.failureId)).value).toEqual({ id: 'u1', email: 'broken' });
    await expect(failed.retry(q.failureId, { to: 'outbox' })).rejects.toBeInstanceOf(ContractViolationError);
    expect((await failed.show(q.failureId)).attempts).toBe(2);
    // Only its hold row is in the outbox: nothing to publish.
    expect(await db.query(`SELECT * FROM ${tables.outbox} WHERE failure_id IS NULL`)).toEqual([]);
  });

  it('edits a message and retries it into the outbox in one transaction, keeping its ordo-id', async () => {
    const [first] = await failed.list();
    await failed.edit(first!.failureId, (m) => ({
      ...m,
      value: { ...(m.value as object), email: 'fixed@example.com' },
    }));
    const retried = await failed.retry(first!.failureId, { to: 'outbox' });
    expect(retried.status).toBe('republished');
    const rows = await db.query<{ id: string; payload: Uint8Array }>(`SELECT id, payload FROM ${tables.outbox}`);
    expect(rows.map((r) => String(r.id))).toEqual([first!.messageId]);
    expect(JSON.parse(Buffer.from(rows[0]!.payload).toString())).toEqual({ id: 'u1', email: 'fixed@example.com' });
    expect(await failed.list()).toEqual([]);
    expect((await failed.list({ status: 'republished' })).map((m) => m.failureId)).toEqual([first!.failureId]);
    // Once is what an operator means; again only on purpose.
    await expect(failed.retry(first!.failureId, { to: 'outbox' })).rejects.toBeInstanceOf(ReplayRefusedError);
    await failed.retry(first!.failureId, { to: 'kafka', force: true });
  });

  it('retries straight to Kafka, with progress over many', async () => {
    const a = await quarantine('u2', 'nope');
    const b = await quarantine('u3', 'nope');
    for (const id of [a.failureId, b.failureId]) {
      await failed.edit(id, (m) => ({ ...m, value: { ...(m.value as object), email: 'ok@example.com' } }));
    }
    const progress: RetryProgress[] = [];
    const outcome = await failed.retryAll({}, { to: 'kafka', onProgress: (p) => progress.push(p) });
    expect(outcome).toEqual({ republished: 2, failed: 0 });
    expect(progress.map((p) => `${p.done}/${p.total}`)).toEqual(['1/2', '2/2']);
    const events = publishedEvents(kafka, 'users', 2);
    expect(events.map((e) => e.id).filter((id) => id !== a.id && id !== b.id)).toHaveLength(1); // the forced one
    expect(events.map((e) => e.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('deletes, and names a missing id', async () => {
    const q = await quarantine('u4', 'nope');
    await failed.delete(q.failureId);
    await expect(failed.delete(q.failureId)).rejects.toBeInstanceOf(FailedMessageNotFoundError);
    await expect(failed.show('nope')).rejects.toBeInstanceOf(FailedMessageNotFoundError);
  });
});
