import 'reflect-metadata';
import { DuplicateHandlerError, InMemoryKafka, InvalidConfigError, silentLogger, type OrdoError } from '@ordo/core';
import { spyDriver } from '@ordo/core/testing';
import { container as rootContainer, inject, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictingHandlersError,
  DEAD_LETTER_OVERRIDES,
  DeadLetterHandler,
  EventHandler,
  ORDO_DRIVER,
  registerOrdo,
  UnresolvableHandlerError,
  type OrdoConfig,
} from './index.js';

class Mailer {}
const MISSING = Symbol('never registered');

@EventHandler('users', 'user-created')
class OnUserCreated {
  handle() {}
}

@EventHandler('users', 'user-created')
class AlsoOnUserCreated {
  handle() {}
}

@EventHandler('users', 'user-renamed')
class NeedsMetadata {
  constructor(readonly mailer: Mailer) {}
  handle() {}
}

@EventHandler('users', 'user-renamed')
class NeedsUnregisteredToken {
  constructor(@inject(MISSING) readonly missing: unknown) {}
  handle() {}
}

@DeadLetterHandler('orders')
class OrdersFixUp {
  handle() {}
}

let container: DependencyContainer;
afterEach(() => container.dispose());

/** Wires `config` on a spied InMemoryKafka; returns why start() failed and whether a consumer was made. */
async function startFailure(config: Partial<OrdoConfig>, overrides: unknown[] = []) {
  container = rootContainer.createChildContainer();
  const spied = spyDriver(new InMemoryKafka());
  container.register(ORDO_DRIVER, { useValue: spied.driver });
  for (const value of overrides) container.register(DEAD_LETTER_OVERRIDES, { useValue: value });
  const ordo = registerOrdo(container, { groupId: 'g', logger: silentLogger, ...config });
  const error = await ordo.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ordo.state).toBe('stopped');
  expect(spied.consumers, 'nothing connects before the wiring is checked').toEqual([]);
  return error as OrdoError;
}

describe('clear errors at start()', () => {
  it('two handlers for the same topic and type', async () => {
    const error = await startFailure({ handlers: [OnUserCreated, AlsoOnUserCreated] });
    expect(error).toBeInstanceOf(ConflictingHandlersError);
    expect(error).toBeInstanceOf(DuplicateHandlerError);
    expect(error.code).toBe('ORDO_DUPLICATE_HANDLER');
    expect(error.message).toBe(
      "@EventHandler('users', 'user-created') is declared by OnUserCreated and AlsoOnUserCreated: " +
        'keep one handler per topic and type, and compose inside it',
    );
  });

  it('a class the container cannot build: constructor parameters without metadata or @inject', async () => {
    const error = await startFailure({ handlers: [NeedsMetadata] });
    expect(error).toBeInstanceOf(UnresolvableHandlerError);
    expect(error.code).toBe('ORDO_INVALID_CONFIG');
    expect(error.message).toContain("@EventHandler('users', 'user-renamed') NeedsMetadata cannot be resolved");
    expect(error.message).toContain('TypeInfo not known for "NeedsMetadata"');
    expect(error.message).toContain('@inject(token)');
  });

  it('a class the container cannot build: an unregistered dependency, in either scope', async () => {
    for (const handlerScope of ['message', 'singleton'] as const) {
      const error = await startFailure({ handlers: [NeedsUnregisteredToken], handlerScope });
      expect(error).toBeInstanceOf(UnresolvableHandlerError);
      expect((error as UnresolvableHandlerError).className).toBe('NeedsUnregisteredToken');
      expect(error.message).toContain('unregistered dependency token: "Symbol(never registered)"');
      await container.dispose();
    }
  });

  it('an override for a topic nobody consumes', async () => {
    const error = await startFailure({ handlers: [OnUserCreated], deadLetter: { enabled: true } }, [
      { users: { retry: { attempts: 2 } } },
      { orders: { handler: OrdersFixUp } },
    ]);
    expect(error).toBeInstanceOf(InvalidConfigError);
    expect((error as InvalidConfigError).field).toBe('DEAD_LETTER_OVERRIDES[1].orders');
    expect(error.message).toContain('overrides topic "orders", which no @EventHandler consumes (consumed: users)');
  });

  it('an override in ORDO_CONFIG for a topic nobody consumes', async () => {
    const error = await startFailure({
      handlers: [OnUserCreated],
      deadLetter: { enabled: true, overrides: { orders: { handler: OrdersFixUp } } },
    });
    expect((error as InvalidConfigError).field).toBe('ORDO_CONFIG.deadLetter.overrides.orders');
  });

  it('an override while dead letters are off', async () => {
    const error = await startFailure({ handlers: [OnUserCreated] }, [{ users: { retry: { attempts: 2 } } }]);
    expect((error as InvalidConfigError).field).toBe('deadLetter.enabled');
  });

  it('a @DeadLetterHandler used for another topic', async () => {
    const error = await startFailure({ handlers: [OnUserCreated], deadLetter: { enabled: true } }, [
      { users: { handler: OrdersFixUp } },
    ]);
    expect((error as InvalidConfigError).field).toBe('DEAD_LETTER_OVERRIDES[0].users.handler');
    expect(error.message).toContain('OrdersFixUp is a @DeadLetterHandler for topic "orders"');
  });

  it('a listed class without @EventHandler, and a missing driver', async () => {
    const error = await startFailure({ handlers: [OnUserCreated, Mailer as never] });
    expect((error as InvalidConfigError).field).toBe('handlers[1]');
    await container.dispose();
    container = rootContainer.createChildContainer();
    const ordo = registerOrdo(container, { groupId: 'g', handlers: [OnUserCreated] });
    await expect(ordo.start()).rejects.toMatchObject({ code: 'ORDO_INVALID_CONFIG', field: 'ORDO_DRIVER' });
  });
});
