import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractRegistry } from '../contracts/contract-registry.js';
import {
  ContractViolationError,
  DatabaseError,
  EncodeError,
  InvalidConfigError,
  InvalidMessageError,
  InvalidStateError,
  MissingKeyError,
  RecordTooLargeError,
} from '../errors.js';
import { silentLogger } from '../internal/logger.js';
import type { MysqlPool } from '../sql/database.js';
import { createOutbox, type Outbox, type OutboxEvents } from './outbox.js';
import { OUTBOX_DATABASES, outboxTables, type OutboxTestDatabase } from './outbox.test-support.js';
import { postgresDialect } from './postgres-dialect.js';
import { mysqlDialect } from './mysql-dialect.js';

const contracts = new ContractRegistry().topic('users', {
  keyed: true,
  events: {
    'user-created': {
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'string' }, email: { type: 'string', format: 'email' } },
    },
  },
});

describe.each(OUTBOX_DATABASES)('outbox.write on %s', (_name, connect) => {
  let db: OutboxTestDatabase;
  let outbox: Outbox;
  let tables: ReturnType<typeof outboxTables>;
  const quarantined: Array<OutboxEvents['quarantined']> = [];

  beforeAll(async () => {
    db = await connect();
    tables = outboxTables();
    outbox = createOutbox({ dialect: db.dialect, contracts, tables, logger: silentLogger });
    outbox.on('quarantined', (e) => quarantined.push(e));
    await db.transaction((tx) => outbox.migrate(tx));
  });
  afterAll(async () => {
    for (const t of [tables.outbox, tables.failed, tables.inbox, `${tables.outbox}_key_locks`]) {
      await db.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await db.close();
  });

  // Rows the relay would publish: a quarantine leaves a hold row (failure_id set) of its own.
  const rows = (table = tables.outbox) =>
    db.query<Record<string, unknown>>(
      `SELECT * FROM ${table}${table === tables.outbox ? ' WHERE failure_id IS NULL' : ''} ORDER BY 1`,
    );
  const user = (id: string, email = `${id}@example.com`) => ({
    topic: 'users',
    key: id,
    type: 'user-created',
    value: { id, email },
  });

  it('migrate is idempotent', async () => {
    await db.transaction((tx) => outbox.migrate(tx));
    await db.transaction((tx) => outbox.migrate(tx));
    expect(await rows()).toEqual([]);
  });

  it('writes rows inside the caller transaction, in order, with id, type and headers', async () => {
    const results = await db.transaction(async (tx) => {
      const first = await outbox.write(tx, { ...user('u1'), headers: { traceparent: '00-abc-def-01' } });
      const second = await outbox.write(tx, user('u1', 'new@example.com'));
      return [first, second];
    });
    expect(results.map((r) => r.status)).toEqual(['queued', 'queued']);
    const stored = await rows();
    expect(stored.map((r) => String(r.id))).toEqual(results.map((r) => r.id));
    expect(stored.map((r) => r.msg_key)).toEqual(['u1', 'u1']);
    expect(stored[0]!.type).toBe('user-created');
    expect(JSON.parse(String(stored[0]!.headers))).toEqual({
      traceparent: '00-abc-def-01',
      'content-type': 'application/json',
    });
    expect(JSON.parse(Buffer.from(stored[1]!.payload as Uint8Array).toString('utf8'))).toEqual({
      id: 'u1',
      email: 'new@example.com',
    });
    await db.query(`DELETE FROM ${tables.outbox}`);
  });

  it('writeMany stores rows in the given order, whatever their keys', async () => {
    const messages = Array.from({ length: 60 }, (_, n) => ({
      topic: 'audit',
      key: n % 7 === 0 ? null : `m${n % 3}`,
      type: 'seen',
      value: { n },
    }));
    const results = await db.transaction((tx) => outbox.writeMany(tx, messages));
    const stored = await rows();
    expect(stored.map((r) => String(r.id))).toEqual(results.map((r) => r.id));
    await db.query(`DELETE FROM ${tables.outbox}`);
  });

  it('writes nothing when the transaction rolls back', async () => {
    await expect(
      db.transaction(async (tx) => {
        await outbox.write(tx, user('u2'));
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await rows()).toEqual([]);
  });

  it('quarantines a contract violation in the same transaction and commits the rest', async () => {
    const [ok, bad] = await db.transaction((tx) => outbox.writeMany(tx, [user('u3'), user('u4', 'not-an-email')]));
    expect(ok!.status).toBe('queued');
    expect(bad!.status).toBe('quarantined');
    expect((await rows()).map((r) => r.msg_key)).toEqual(['u3']);
    const failed = await rows(tables.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      message_id: bad!.id,
      origin: 'outbox',
      topic: 'users',
      msg_key: 'u4',
      type: 'user-created',
      status: 'failed',
    });
    expect(String(failed[0]!.error)).toMatch(/email/);
    expect(quarantined.map((q) => q.id)).toEqual([bad!.id]);
    // Its place in u4's sequence is kept by a hold row naming the failure, without the payload.
    const holds = await db.query<Record<string, unknown>>(
      `SELECT msg_key, failure_id, payload FROM ${tables.outbox} WHERE failure_id IS NOT NULL`,
    );
    expect(holds).toEqual([
      { msg_key: 'u4', failure_id: bad!.status === 'quarantined' && bad!.failureId, payload: null },
    ]);
    await db.query(`DELETE FROM ${tables.outbox}`);
  });

  it('rolls a quarantine back with the transaction: nothing half-written', async () => {
    const before = (await rows(tables.failed)).length;
    await expect(
      db.transaction(async (tx) => {
        await outbox.write(tx, user('u5', 'bad'));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await rows(tables.failed)).toHaveLength(before);
  });

  it("throws the violation with onContractViolation: 'throw'", async () => {
    const strict = createOutbox({ dialect: db.dialect, contracts, tables, onContractViolation: 'throw' });
    await expect(db.transaction((tx) => strict.write(tx, user('u6', 'bad')))).rejects.toBeInstanceOf(
      ContractViolationError,
    );
    expect(await rows()).toEqual([]);
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: Array<[unknown, new (...args: never[]) => Error]> = [
      [{ topic: 'audit', key: 'k', type: 't', value: circular }, EncodeError],
      [{ topic: 'audit', key: 'k', type: 't', value: 10n }, EncodeError],
      [
        { topic: 'users', key: null, type: 'user-created', value: { id: 'x', email: 'x@example.com' } },
        MissingKeyError,
      ],
      [{ topic: 'audit', key: 'k', type: '', value: 1 }, InvalidMessageError],
      [{ topic: 'not a topic!', key: 'k', type: 't', value: 1 }, InvalidMessageError],
      [{ topic: 'audit', key: 'k', type: 't', value: 1, id: 'not-a-uuid' }, InvalidMessageError],
      [{ topic: 'audit', key: 'k', type: 't', value: 'x'.repeat(1_100_000) }, RecordTooLargeError],
      // A key column is text: PostgreSQL cannot store NUL, and a key must not change on its way.
      [{ topic: 'audit', key: 'a\u0000b', type: 't', value: 1 }, InvalidMessageError],
      [{ topic: 'audit', key: 'a\ud800', type: 't', value: 1 }, InvalidMessageError],
    ];
    for (const [message, type] of cases) {
      await expect(db.transaction((tx) => outbox.write(tx, message as never))).rejects.toBeInstanceOf(type);
    }
    expect(await rows()).toEqual([]);
  });

  it('refuses hostile table names before any SQL runs', () => {
    for (const name of ['ordo; DROP TABLE users', 'a b', 'x"y', '', '1abc', 'a.b.c']) {
      expect(() => createOutbox({ dialect: postgresDialect(), tables: { outbox: name } })).toThrow(InvalidConfigError);
      expect(() => createOutbox({ dialect: postgresDialect(), tables: { failed: name } })).toThrow(InvalidConfigError);
    }
  });

  it.runIf(_name !== 'pglite')(
    'raises DatabaseError when the connection drops mid-transaction, and nothing is written',
    async () => {
      const error = await db
        .transaction(async (tx) => {
          await outbox.write(tx, user('u8'));
          const executor = db.dialect.executor(tx);
          const pidQuery = db.name === 'mariadb' ? 'SELECT CONNECTION_ID() AS pid' : 'SELECT pg_backend_pid() AS pid';
          const { rows } = await executor.query<{ pid: number }>(pidQuery);
          const kill =
            db.name === 'mariadb'
              ? `KILL ${Number(rows[0]!.pid)}`
              : `SELECT pg_terminate_backend(${Number(rows[0]!.pid)})`;
          await db.query(kill);
          await outbox.write(tx, user('u8', 'second@example.com'));
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).retriable).toBe(true);
      expect(await rows()).toEqual([]);
    },
  );

  it.runIf(_name === 'mariadb')(
    'refuses a keyed write outside a transaction on MySQL, whichever way it checks',
    async () => {
      for (const transactionCheck of ['in_transaction', 'savepoint'] as const) {
        const checked = createOutbox({ dialect: mysqlDialect({ transactionCheck }), tables, logger: silentLogger });
        const conn = await (db.database as MysqlPool).getConnection();
        try {
          await expect(checked.write(conn, user('u7'))).rejects.toBeInstanceOf(InvalidStateError);
        } finally {
          conn.release();
        }
        const { status } = await db.transaction((tx) => checked.write(tx, user('u7')));
        expect(status).toBe('queued');
      }
      await db.query(`DELETE FROM ${tables.outbox}`);
    },
  );

  it("with publisher: 'debezium', concurrent writers neither deadlock nor leave rows behind", async () => {
    const debezium = createOutbox({ dialect: db.dialect, tables, publisher: 'debezium', logger: silentLogger });
    await Promise.all(
      Array.from({ length: 8 }, (_, w) =>
        db.transaction(async (tx) => {
          // One key per transaction: several keys in separate writes may deadlock on
          // their key locks like any two transactions locking rows in different orders.
          for (let i = 0; i < 5; i++) {
            await debezium.write(tx, user(`d${w}`));
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
          }
        }),
      ),
    );
    expect(await rows()).toEqual([]);
  });

  it('refuses a pool or a whole database instead of a transaction handle', async () => {
    await expect(outbox.write(db.database as never, user('u9'))).rejects.toBeInstanceOf(InvalidStateError);
    expect(await rows()).toEqual([]);
  });

  it('stores a caller-given id in lower case and returns it so', async () => {
    const id = '0F8FAD5B-D9CB-469F-A165-70867728950E';
    const result = await db.transaction((tx) => outbox.write(tx, { ...user('u10'), id }));
    expect(result.id).toBe(id.toLowerCase());
    expect((await rows()).map((r) => String(r.id))).toEqual([id.toLowerCase()]);
    await db.query(`DELETE FROM ${tables.outbox}`);
  });

  it('writes without NOTIFY when notify is off', async () => {
    const quiet = createOutbox({ dialect: db.dialect, tables, notify: false, logger: silentLogger });
    expect(quiet.tables.channel).toBeNull();
    expect((await db.transaction((tx) => quiet.write(tx, user('u11')))).status).toBe('queued');
    await db.query(`DELETE FROM ${tables.outbox}`);
  });
});
