import type { KafkaDriver, Producer, RecordRef } from '@ordo/core';
import { waitFor } from '@ordo/core/testing';
import type { DependencyContainer } from 'tsyringe';
import { expect } from 'vitest';
import { ORDO, ORDO_DRIVER, ORDO_PRODUCER, type Ordo } from '../index.js';
import { Journal, OrderBook, UserDirectory } from './shop-services.js';

/** Topics the shop reads, created up front as an operator would. */
async function createTopics(container: DependencyContainer): Promise<void> {
  const driver = container.resolve<KafkaDriver>(ORDO_DRIVER);
  await driver.admin().ensureTopics([
    { name: 'users', partitions: 3 },
    { name: 'orders', partitions: 3 },
  ]);
}

/** Starts the shop (unless running), publishes through the wired producer, and checks all three handlers ran. */
export async function runShopScenario(container: DependencyContainer, timeoutMs = 10_000): Promise<void> {
  await createTopics(container);
  const ordo = container.resolve<Ordo>(ORDO);
  if (ordo.state !== 'running') await ordo.start();
  const producer = container.resolve<Producer>(ORDO_PRODUCER);
  await producer.publish({
    topic: 'users',
    key: 'u1',
    type: 'user-created',
    value: { id: 'u1', name: 'Ann', email: 'ann@x' },
  });
  await producer.publish({ topic: 'users', key: 'u1', type: 'user-renamed', value: { id: 'u1', name: 'Ann B.' } });
  await producer.publish({
    topic: 'orders',
    key: 'o1',
    type: 'order-placed',
    value: { id: 'o1', userId: 'u1', total: 30 },
  });
  await producer.publish({
    topic: 'orders',
    key: 'o2',
    type: 'order-placed',
    value: { id: 'o2', userId: 'u1', total: 12 },
  });

  const journal = container.resolve(Journal);
  await waitFor(() => journal.entries.length === 4, { timeoutMs, describe: () => JSON.stringify(journal.entries) });
  expect(journal.of('u1').map((e) => e.handler)).toEqual(['OnUserCreated', 'OnUserRenamed']);
  expect(new Set(journal.entries.map((e) => e.handler))).toEqual(
    new Set(['OnUserCreated', 'OnUserRenamed', 'OnOrderPlaced']),
  );
  expect(container.resolve(UserDirectory).users.get('u1')).toEqual({ name: 'Ann B.', email: 'ann@x' });
  expect(container.resolve(OrderBook).totals.get('u1')).toBe(42);
}

/** What a poison run observed. */
export interface PoisonRun {
  readonly resolved: Array<{ topic: string; key: string }>;
  readonly deadLetterFailures: RecordRef[];
}

/**
 * Starts the shop (unless running) and publishes a user without an email (the poison event) and a rename
 * of the same user; waits until both are dead-lettered, the key parked.
 */
export async function poisonScenario(container: DependencyContainer, timeoutMs = 10_000): Promise<PoisonRun> {
  await createTopics(container);
  const ordo = container.resolve<Ordo>(ORDO);
  const run: PoisonRun = { resolved: [], deadLetterFailures: [] };
  const deadLettered: RecordRef[] = [];
  ordo.on('dead-lettered', ({ record }) => deadLettered.push(record));
  ordo.onDeadLetter('resolved', (key) => run.resolved.push(key));
  ordo.onDeadLetter('failed', ({ record }) => run.deadLetterFailures.push(record));
  if (ordo.state !== 'running') await ordo.start();
  const producer = container.resolve<Producer>(ORDO_PRODUCER);
  await producer.publish({ topic: 'users', key: 'u2', type: 'user-created', value: { id: 'u2', name: 'Bea' } });
  await producer.publish({ topic: 'users', key: 'u2', type: 'user-renamed', value: { id: 'u2', name: 'Bea A.' } });
  await waitFor(() => deadLettered.length === 2, { timeoutMs, describe: () => JSON.stringify(deadLettered) });
  return run;
}
