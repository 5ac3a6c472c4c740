import 'reflect-metadata';
import { InMemoryKafka, type ParkingLot, type Producer } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_OVERRIDES, ORDO, ORDO_DRIVER, ORDO_PRODUCER, type Ordo } from './index.js';
import { configureShop, SHOP_PARKING_LOT } from './test-app/shop-app.js';
import { BackfillEmail, OnOrderPlaced, OnUserCreated } from './test-app/shop-handlers.js';
import { Journal, UserDirectory } from './test-app/shop-services.js';
import { poisonScenario, runShopScenario } from './test-app/shop-scenarios.js';

let container: DependencyContainer;
afterEach(async () => {
  await container?.dispose();
});

describe('the shop app on InMemoryKafka (handlers with explicit @inject, no decorator metadata)', () => {
  it('has no decorator metadata to lean on', () => {
    expect(Reflect.getMetadata('design:paramtypes', OnUserCreated)).toBeUndefined();
    expect(Reflect.getMetadata('design:paramtypes', OnOrderPlaced)).toBeUndefined();
  });

  it('handles the events of its three decorated handlers', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });

    await runShopScenario(container);
  });

  it('without an override, the dead-letter consumer runs the same failing handler and the key stays parked', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });

    const { deadLetterFailures } = await poisonScenario(container);
    await waitFor(() => deadLetterFailures.length > 0, { describe: () => 'a failed dead letter' });
    expect(deadLetterFailures[0]).toMatchObject({ topic: 'users.dead-letter', key: 'u2' });
    const parking = container.resolve<ParkingLot>(SHOP_PARKING_LOT);
    expect(await parking.check('users', Buffer.from('u2'))).toBe(true);
    expect(container.resolve(Journal).of('u2')).toEqual([]);
  });

  it('appending one DEAD_LETTER_OVERRIDES registration switches the fix on and resolves the parked key', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });
    container.register(DEAD_LETTER_OVERRIDES, { useValue: { users: { handler: BackfillEmail } } });

    const { resolved, deadLetterFailures } = await poisonScenario(container);
    await waitFor(() => resolved.length > 0, { describe: () => 'u2 resolved' });
    expect(resolved).toEqual([{ topic: 'users', key: 'u2' }]);
    expect(deadLetterFailures).toEqual([]);
    // The fix handled the poison event, the renamed event followed it in order, both as dead letters.
    const journal = container.resolve(Journal);
    expect(journal.of('u2').map((e) => [e.handler, e.topic, e.type])).toEqual([
      ['BackfillEmail', 'users.dead-letter', 'user-created'],
      ['OnUserRenamed', 'users.dead-letter', 'user-renamed'],
    ]);
    expect(await container.resolve<ParkingLot>(SHOP_PARKING_LOT).check('users', Buffer.from('u2'))).toBe(false);

    // Resolved, the key takes the normal path again.
    const producer = container.resolve<Producer>(ORDO_PRODUCER);
    await producer.publish({ topic: 'users', key: 'u2', type: 'user-renamed', value: { id: 'u2', name: 'Bea B.' } });
    await waitFor(() => journal.of('u2').length === 3, { describe: () => JSON.stringify(journal.of('u2')) });
    expect(journal.of('u2')[2]).toMatchObject({ handler: 'OnUserRenamed', topic: 'users' });
    expect(container.resolve(UserDirectory).users.get('u2')).toEqual({
      name: 'Bea B.',
      email: 'u2@backfilled.invalid',
    });
  });

  it('stops when the container is disposed', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });
    const ordo = container.resolve<Ordo>(ORDO);
    await ordo.start();
    expect(ordo.state).toBe('running');

    await container.dispose();
    expect(ordo.state).toBe('stopped');
  });
});
