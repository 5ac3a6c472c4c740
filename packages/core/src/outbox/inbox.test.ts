import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidConfigError, InvalidMessageError } from '../errors.js';
import { createInbox, type Inbox } from './inbox.js';
import { OUTBOX_DATABASES, outboxTables, type OutboxTestDatabase } from './outbox.test-support.js';

describe.each(OUTBOX_DATABASES)('inbox on %s', (name, connect) => {
  let db: OutboxTestDatabase;
  let inbox: Inbox;
  let other: Inbox;
  let table: string;
  let effects: string;

  beforeAll(async () => {
    db = await connect();
    table = outboxTables().inbox;
    effects = `${table}_effects`;
    inbox = createInbox({ dialect: db.dialect, scope: 'billing', table });
    other = createInbox({ dialect: db.dialect, scope: 'mailer', table });
    await db.transaction((tx) => inbox.migrate(tx));
    await db.transaction((tx) => inbox.migrate(tx));
    await db.query(`CREATE TABLE ${effects} (message_id varchar(64) NOT NULL)`);
  });
  afterAll(async () => {
    await db.query(`DROP TABLE IF EXISTS ${table}`);
    await db.query(`DROP TABLE IF EXISTS ${effects}`);
    await db.close();
  });

  const effect = (box: Inbox, id: string, fail = false) =>
    db.transaction(async (tx) => {
      const result = await box.once(tx, id, async () => {
        await db.dialect.executor(tx).query(`INSERT INTO ${effects} (message_id) VALUES (?)`, [id]);
        if (fail) throw new Error('handler failed after its effect');
        return 'charged';
      });
      return result;
    });
  const count = async (id: string) => (await db.query(`SELECT * FROM ${effects} WHERE message_id = ?`, [id])).length;

  it('runs the effect once per event id, and once per scope', async () => {
    expect(await effect(inbox, 'e1')).toEqual({ ran: true, result: 'charged' });
    expect(await effect(inbox, 'e1')).toEqual({ ran: false });
    expect(await effect(other, 'e1')).toEqual({ ran: true, result: 'charged' });
    expect(await count('e1')).toBe(2);
  });

  it('forgets the id when the transaction rolls back, so the redelivery runs it', async () => {
    await expect(effect(inbox, 'e2', true)).rejects.toThrow('handler failed');
    expect(await count('e2')).toBe(0);
    expect(await effect(inbox, 'e2')).toEqual({ ran: true, result: 'charged' });
    expect(await count('e2')).toBe(1);
  });

  it.runIf(name !== 'pglite')('lets one of two concurrent deliveries of an id run', async () => {
    const results = await Promise.all([effect(inbox, 'e3'), effect(inbox, 'e3'), effect(inbox, 'e3')]);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    expect(await count('e3')).toBe(1);
  });

  it('purges old ids', async () => {
    expect(await db.transaction((tx) => inbox.purge(tx, new Date(Date.now() + 60_000)))).toBeGreaterThanOrEqual(3);
    expect(await effect(inbox, 'e1')).toEqual({ ran: true, result: 'charged' });
  });

  it('refuses a missing id and a bad scope', async () => {
    await expect(db.transaction((tx) => inbox.once(tx, '', async () => 1))).rejects.toBeInstanceOf(InvalidMessageError);
    expect(() => createInbox({ dialect: db.dialect, scope: '' })).toThrow(InvalidConfigError);
    expect(() => createInbox({ dialect: db.dialect, scope: 's', table: 'x;drop' })).toThrow(InvalidConfigError);
  });
});
