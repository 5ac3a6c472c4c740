import 'reflect-metadata';
import { InMemoryKafka } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { afterEach, describe, expect, it } from 'vitest';
import { DEAD_LETTER_OVERRIDES, ORDO_DRIVER } from './index.js';
import { configureShop } from './test-app/shop-app.js';
import { BackfillEmail, OnOrderPlaced, OnUserCreated } from './test-app/shop-handlers.metadata.js';
import { poisonScenario, runShopScenario } from './test-app/shop-scenarios.js';
import { Journal, OrderBook, UserDirectory } from './test-app/shop-services.js';

let container: DependencyContainer;
afterEach(() => container?.dispose());

describe('the shop app with decorator metadata emitted (no @inject)', () => {
  it('gets its constructor parameter types from the metadata alone', () => {
    expect(Reflect.getMetadata('design:paramtypes', OnUserCreated)).toEqual([UserDirectory, Journal]);
    expect(Reflect.getMetadata('design:paramtypes', OnOrderPlaced)).toEqual([OrderBook, Journal]);
    expect(Reflect.getMetadata('design:paramtypes', BackfillEmail)).toEqual([UserDirectory, Journal]);
  });

  it('handles the events of its three decorated handlers', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });

    await runShopScenario(container);
  });

  it('resolves a parked key once one DEAD_LETTER_OVERRIDES registration is appended', async () => {
    container = rootContainer.createChildContainer();
    configureShop(container);
    container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });
    container.register(DEAD_LETTER_OVERRIDES, { useValue: { users: { handler: BackfillEmail } } });

    const { resolved } = await poisonScenario(container);
    await waitFor(() => resolved.length > 0, { describe: () => 'u2 resolved' });
    expect(
      container
        .resolve(Journal)
        .of('u2')
        .map((e) => e.handler),
    ).toEqual(['BackfillEmail', 'OnUserRenamed']);
  });
});
