import { handlersFor } from '../index.js';

/** The test shop's contract map: event value types by topic and event type. */
export interface ShopEvents {
  users: {
    'user-created': { readonly id: string; readonly name: string; readonly email?: string };
    'user-renamed': { readonly id: string; readonly name: string };
  };
  orders: {
    'order-placed': { readonly id: string; readonly userId: string; readonly total: number };
  };
}

/** The decorators, typed by the shop's contract map. */
export const { EventHandler, DeadLetterHandler } = handlersFor<ShopEvents>();

/** A user created without an email: the shop's poison event. */
export class MissingEmailError extends Error {
  constructor(userId: string) {
    super(`user ${userId} has no email`);
  }
}
