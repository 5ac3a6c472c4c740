import 'reflect-metadata';
import {
  DatabaseError,
  InMemoryKafka,
  InvalidConfigError,
  jsonCodec,
  postgresDialect,
  silentLogger,
  type Outbox,
  type PostgresPool,
} from '@ordo/core';
import { spyDriver, waitFor } from '@ordo/core/testing';
import { PGlite } from '@electric-sql/pglite';
import { container as rootContainer, inject, injectable, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHandler, ORDO_DRIVER, ORDO_OUTBOX, registerOrdo, type OrdoConfig } from './index.js';

@EventHandler('accounts', 'account-opened')
class OnAccountOpened {
  handle() {}
}

/** An application service that writes events inside its own transactions. */
@injectable()
class AccountService {
  constructor(@inject(ORDO_OUTBOX) readonly outbox: Outbox) {}
}

/** A pool whose every connection is refused, as a database that is down refuses them. */
const unreachableDatabase: PostgresPool = {
  connect: () =>
    Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' })),
};

let container: DependencyContainer;
afterEach(() => container?.dispose());

function setUp(config: Partial<OrdoConfig>) {
  container = rootContainer.createChildContainer();
  const spied = spyDriver(new InMemoryKafka());
  container.register(ORDO_DRIVER, { useValue: spied.driver });
  const ordo = registerOrdo(container, {
    groupId: 'bank',
    handlers: [OnAccountOpened],
    logger: silentLogger,
    ...config,
  });
  return { ordo, spied };
}

describe('the outbox in the container', () => {
  it('ORDO_OUTBOX is the outbox of the config, sharing its codec, injectable into services', () => {
    const codec = { ...jsonCodec };
    const { ordo } = setUp({
      codec,
      outbox: { dialect: postgresDialect(), tables: { outbox: 'bank_outbox' }, relay: false },
    });
    const service = container.resolve(AccountService);
    expect(service.outbox).toBe(ordo.outbox);
    expect(service.outbox.tables.outbox).toBe('bank_outbox');
    expect(service.outbox.dialect.name).toBe('postgres');
    expect(service.outbox.codec).toBe(codec);
  });

  it('cannot be resolved without an outbox section', () => {
    setUp({});
    expect(() => container.resolve(ORDO_OUTBOX)).toThrow(InvalidConfigError);
    expect(() => container.resolve(ORDO_OUTBOX)).toThrow(/outbox.*is not configured/);
  });

  it('refuses, before anything connects, a relay without a database, or a relay beside Debezium', async () => {
    for (const [outbox, field] of [
      [{ dialect: postgresDialect() }, 'outbox.database'],
      [{ dialect: postgresDialect(), publisher: 'debezium', relay: { shards: 2 } }, 'outbox.relay'],
    ] as const) {
      const { ordo, spied } = setUp({ outbox });
      await expect(ordo.start()).rejects.toMatchObject({ code: 'ORDO_INVALID_CONFIG', field });
      expect(spied.consumers).toEqual([]);
      await container.dispose();
    }
  });

  it('runs no relay with relay: false or with Debezium, and needs no database then', async () => {
    for (const outbox of [
      { dialect: postgresDialect(), relay: false as const },
      { dialect: postgresDialect(), publisher: 'debezium' as const },
    ]) {
      const { ordo } = setUp({ outbox });
      await ordo.start();
      expect(ordo.state).toBe('running');
      await container.dispose();
      expect(ordo.state).toBe('stopped');
    }
  });

  it('starts the relay on the configured database, and stops what started when it cannot connect', async () => {
    const { ordo, spied } = setUp({ outbox: { dialect: postgresDialect(), database: unreachableDatabase } });
    const consumerStates: string[] = [];
    ordo.on('state', ({ to }) => consumerStates.push(to));
    const error = await ordo.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toContain('Outbox relay cannot connect: connect ECONNREFUSED');
    expect(ordo.state).toBe('stopped');
    // The consumer had started before the relay; it was stopped again.
    expect(spied.consumers).toHaveLength(1);
    expect(consumerStates).toEqual(['starting', 'running', 'stopping', 'stopped']);
  });
});

/** Receives what the relay published, through the container like any handler. */
@EventHandler('accounts', 'account-credited', { scope: 'singleton' })
class OnAccountCredited {
  static readonly seen: Array<{ key: string | null; id: string; value: unknown }> = [];
  handle(event: { key: string | null; id: string; value: unknown }) {
    OnAccountCredited.seen.push({ key: event.key, id: event.id, value: event.value });
  }
}

describe('the outbox end to end in the container, on PGlite', () => {
  it('a service writes in its transaction; the relay Ordo started publishes; a decorated handler receives it', async () => {
    const db = await PGlite.create();
    try {
      const { ordo } = setUp({
        handlers: [OnAccountCredited],
        outbox: { dialect: postgresDialect(), database: db, relay: { pollIntervalMs: 50 } },
      });
      await ordo.outbox.migrate(db);
      await ordo.start();
      const written = await db.transaction(async (tx) => {
        await tx.query('SELECT 1'); // the business change would go here
        return [
          await ordo.outbox.write(tx, {
            topic: 'accounts',
            key: 'a1',
            type: 'account-credited',
            value: { cents: 500 },
          }),
          await ordo.outbox.write(tx, {
            topic: 'accounts',
            key: 'a1',
            type: 'account-credited',
            value: { cents: 700 },
          }),
        ];
      });
      await waitFor(() => OnAccountCredited.seen.length === 2, { timeoutMs: 10_000 });
      expect(OnAccountCredited.seen).toEqual([
        { key: 'a1', id: written[0]!.id, value: { cents: 500 } },
        { key: 'a1', id: written[1]!.id, value: { cents: 700 } },
      ]);
      expect((await db.query(`SELECT * FROM ${ordo.outbox.tables.outbox}`)).rows).toEqual([]);
      await container.dispose();
      expect(ordo.state).toBe('stopped');
    } finally {
      await db.close();
    }
  });
});
