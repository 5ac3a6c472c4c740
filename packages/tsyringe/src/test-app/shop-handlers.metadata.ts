import type { HandlerContext } from '@ordo/core';
import type { EventOf } from '../index.js';
import { DeadLetterHandler, EventHandler, MissingEmailError, type ShopEvents } from './shop-events.js';
// A value import on purpose: the emitted decorator metadata refers to these classes at runtime.
// eslint-disable-next-line @typescript-eslint/consistent-type-imports
import { Journal, OrderBook, UserDirectory } from './shop-services.js';

// The shop's handlers as an application compiled with emitDecoratorMetadata writes
// them: no @inject, the container reads the constructor's parameter types. Vitest
// compiles `*.metadata.ts` files with TypeScript for this (see vitest.config.ts).

/** Adds a user to the directory; a user without an email fails (the poison event). */
@EventHandler('users', 'user-created')
export class OnUserCreated {
  constructor(
    private readonly directory: UserDirectory,
    private readonly journal: Journal,
  ) {}

  handle(event: EventOf<ShopEvents, 'users', 'user-created'>, _ctx: HandlerContext): void {
    const { id, name, email } = event.value;
    if (!email) throw new MissingEmailError(id);
    this.directory.users.set(id, { name, email });
    this.journal.record('OnUserCreated', event);
  }
}

/** Renames a known user. */
@EventHandler('users', 'user-renamed')
export class OnUserRenamed {
  constructor(
    private readonly directory: UserDirectory,
    private readonly journal: Journal,
  ) {}

  handle(event: EventOf<ShopEvents, 'users', 'user-renamed'>): void {
    const user = this.directory.users.get(event.value.id);
    if (!user) throw new Error(`user ${event.value.id} is unknown`);
    user.name = event.value.name;
    this.journal.record('OnUserRenamed', event);
  }
}

/** Adds an order to its user's total. */
@EventHandler('orders', 'order-placed')
export class OnOrderPlaced {
  constructor(
    private readonly orders: OrderBook,
    private readonly journal: Journal,
  ) {}

  async handle(event: EventOf<ShopEvents, 'orders', 'order-placed'>): Promise<void> {
    this.orders.add(event.value.userId, event.value.total);
    this.journal.record('OnOrderPlaced', event);
  }
}

/** The fix for users created without an email. Off until an override names it. */
@DeadLetterHandler('users', 'user-created')
export class BackfillEmail {
  constructor(
    private readonly directory: UserDirectory,
    private readonly journal: Journal,
  ) {}

  handle(event: EventOf<ShopEvents, 'users', 'user-created'>): void {
    const { id, name, email } = event.value;
    this.directory.users.set(id, { name, email: email ?? `${id}@backfilled.invalid` });
    this.journal.record('BackfillEmail', event);
  }
}
