import 'reflect-metadata';
import { InMemoryKafka, InvalidStateError, silentLogger, type Producer } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHandler, ORDO, ORDO_DRIVER, ORDO_PRODUCER, registerOrdo, type Ordo } from './index.js';

@EventHandler('ticks', 'tick')
class OnTick {
  handle() {}
}

let container: DependencyContainer;
afterEach(() => container?.dispose());

function setUp(): Ordo {
  container = rootContainer.createChildContainer();
  container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 2 }) });
  return registerOrdo(container, { groupId: 'ticks', handlers: [OnTick], logger: silentLogger });
}

describe('the Ordo runtime', () => {
  it('is registered as ORDO, once per container; a child container may wire its own', () => {
    const ordo = setUp();
    expect(container.resolve(ORDO)).toBe(ordo);
    expect(() => registerOrdo(container, { groupId: 'again' })).toThrow(InvalidStateError);
    const child = container.createChildContainer();
    expect(registerOrdo(child, { groupId: 'child' })).not.toBe(ordo);
  });

  it('refuses a second start(), and stops idempotently', async () => {
    const ordo = setUp();
    await ordo.start();
    await expect(ordo.start()).rejects.toBeInstanceOf(InvalidStateError);
    await Promise.all([ordo.stop(), ordo.stop()]);
    expect(ordo.state).toBe('stopped');
    await ordo.stop();
  });

  it('restarts after stop(), its listeners still attached', async () => {
    const ordo = setUp();
    const handled: number[] = [];
    ordo.on('handled', ({ event }) => handled.push(event.value as number));
    const publish = (value: number) =>
      container.resolve<Producer>(ORDO_PRODUCER).publish({ topic: 'ticks', key: 'k', type: 'tick', value });

    await ordo.start();
    await publish(1);
    await waitFor(() => handled.length === 1);
    await ordo.stop();

    await ordo.start();
    await publish(2);
    await waitFor(() => handled.includes(2), { describe: () => JSON.stringify(handled) });
    expect(handled).toEqual([1, 2]);
  });
});
