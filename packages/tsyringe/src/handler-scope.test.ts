import 'reflect-metadata';
import { InMemoryKafka, silentLogger, type Producer } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { container as rootContainer, inject, Lifecycle, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHandler, ORDO_DRIVER, ORDO_PRODUCER, registerOrdo, type HandlerScope } from './index.js';

const log: Array<{ handler: string; instance: number; unitOfWork: number }> = [];
const disposed: number[] = [];
let instances = 0;
let units = 0;

/** Registered per container: one per message under the 'message' scope. Disposable. */
class UnitOfWork {
  readonly id = ++units;
  dispose() {
    disposed.push(this.id);
  }
}

/** A singleton with a dispose(): per-message child containers must never dispose it. */
class ConnectionPool {
  closed = false;
  dispose() {
    this.closed = true;
  }
}

@EventHandler('audit', 'entry')
class OnEntry {
  readonly id = ++instances;
  constructor(
    @inject(UnitOfWork) private readonly unit: UnitOfWork,
    @inject(ConnectionPool) private readonly pool: ConnectionPool,
  ) {}
  handle() {
    if (this.pool.closed) throw new Error('the pool was closed');
    log.push({ handler: 'OnEntry', instance: this.id, unitOfWork: this.unit.id });
  }
}

@EventHandler('audit', 'pinned', { scope: 'singleton' })
class OnPinned {
  readonly id = ++instances;
  handle() {
    log.push({ handler: 'OnPinned', instance: this.id, unitOfWork: 0 });
  }
}

let container: DependencyContainer;
afterEach(() => container.dispose());

async function handleThree(handlerScope: HandlerScope, type: string) {
  log.length = 0;
  disposed.length = 0;
  container = rootContainer.createChildContainer();
  container.register(UnitOfWork, { useClass: UnitOfWork }, { lifecycle: Lifecycle.ContainerScoped });
  container.registerSingleton(ConnectionPool);
  container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 1 }) });
  const ordo = registerOrdo(container, {
    groupId: `audit-${handlerScope}-${type}`,
    handlers: [OnEntry, OnPinned],
    handlerScope,
    logger: silentLogger,
  });
  await ordo.start();
  const before = instances;
  const producer = container.resolve<Producer>(ORDO_PRODUCER);
  for (let i = 0; i < 3; i++) await producer.publish({ topic: 'audit', key: 'k', type, value: i });
  await waitFor(() => log.length === 3);
  return { instancesCreated: instances - before };
}

describe('handler scope', () => {
  it("'message': a new instance per message, in a child container disposed after it", async () => {
    const { instancesCreated } = await handleThree('message', 'entry');
    expect(instancesCreated).toBe(3);
    expect(new Set(log.map((l) => l.instance)).size).toBe(3);
    const unitIds = log.map((l) => l.unitOfWork);
    expect(new Set(unitIds).size).toBe(3);
    await waitFor(() => disposed.length >= 3);
    expect(disposed).toEqual(expect.arrayContaining(unitIds));
    // tsyringe disposes what a child container built, singletons included: the pool
    // must have been built by the container itself, at start().
    expect(container.resolve(ConnectionPool).closed).toBe(false);
  });

  it("'singleton': one instance, resolved at start()", async () => {
    const { instancesCreated } = await handleThree('singleton', 'entry');
    expect(instancesCreated).toBe(0);
    expect(new Set(log.map((l) => l.instance)).size).toBe(1);
  });

  it('the scope given to @EventHandler wins over the configured one', async () => {
    const { instancesCreated } = await handleThree('message', 'pinned');
    expect(instancesCreated).toBe(0);
    expect(new Set(log.map((l) => l.instance)).size).toBe(1);
  });
});
