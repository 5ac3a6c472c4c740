import 'reflect-metadata';
import type { ConsumedEvent } from '@ordo/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { eventHandlerDeclarationsOf, deadLetterDeclarationOf } from './decorators.js';
import { handlersFor, type EventOf } from './index.js';

// The compile-time half of these tests is the root typecheck (`tsc -p tsconfig.json`):
// every `@ts-expect-error` below fails it if the error it expects goes away.

interface Shop {
  users: {
    'user-created': { id: string; email?: string };
    'user-renamed': { id: string; name: string };
  };
  orders: { 'order-placed': { id: string; total: number } };
}

const { EventHandler, DeadLetterHandler } = handlersFor<Shop>();

@EventHandler('users', 'user-created')
class OnUserCreated {
  handle(event: EventOf<Shop, 'users', 'user-created'>) {
    expectTypeOf(event.value).toEqualTypeOf<{ id: string; email?: string }>();
    expectTypeOf(event.type).toEqualTypeOf<'user-created'>();
  }
}

@EventHandler('orders', 'order-placed', { scope: 'singleton' })
class AnyOrderEvent {
  // Wider than the contract is fine: a handler may accept more than it is given.
  handle(event: ConsumedEvent) {
    return event.value;
  }
}

// @ts-expect-error the handler takes another type's event
@EventHandler('users', 'user-created')
class TakesTheWrongEvent {
  handle(event: EventOf<Shop, 'users', 'user-renamed'>) {
    return event.value.name;
  }
}

// @ts-expect-error 'user-deleted' is not a type of 'users'
@EventHandler('users', 'user-deleted')
class UnknownType {
  handle() {}
}

// @ts-expect-error 'payments' is not a topic
@EventHandler('payments', 'payment-made')
class UnknownTopic {
  handle() {}
}

/** A fix-up for every type of a topic: the event is the union, narrowed by `type`. */
@DeadLetterHandler('users')
class UsersFixUp {
  handle(event: EventOf<Shop, 'users'>) {
    if (event.type === 'user-renamed') expectTypeOf(event.value).toEqualTypeOf<{ id: string; name: string }>();
    else expectTypeOf(event.value).toEqualTypeOf<{ id: string; email?: string }>();
  }
}

// @ts-expect-error a fix-up for one type cannot take another
@DeadLetterHandler('users', 'user-renamed')
class WrongFixUp {
  handle(event: EventOf<Shop, 'users', 'user-created'>) {
    return event.value.email;
  }
}

describe('handlersFor<ContractMap>()', () => {
  it('declares the same handlers as the untyped decorators', () => {
    expect(eventHandlerDeclarationsOf(OnUserCreated)).toEqual([
      { target: OnUserCreated, topic: 'users', type: 'user-created', scope: undefined },
    ]);
    expect(eventHandlerDeclarationsOf(AnyOrderEvent)).toEqual([
      { target: AnyOrderEvent, topic: 'orders', type: 'order-placed', scope: 'singleton' },
    ]);
    expect(deadLetterDeclarationOf(UsersFixUp)).toEqual({ topic: 'users', type: undefined });
    expect(deadLetterDeclarationOf(WrongFixUp)).toEqual({ topic: 'users', type: 'user-renamed' });
  });

  it('leaves to the wiring what only the types refuse', () => {
    expect(eventHandlerDeclarationsOf(TakesTheWrongEvent)).toHaveLength(1);
    expect(eventHandlerDeclarationsOf(UnknownType)).toHaveLength(1);
    expect(eventHandlerDeclarationsOf(UnknownTopic)).toHaveLength(1);
  });

  it('refuses, when decorating, a class without handle()', () => {
    expect(() => {
      // @ts-expect-error a handler needs handle()
      @EventHandler('users', 'user-renamed')
      class NoHandle {}
      return NoHandle;
    }).toThrow(/must decorate a class with a handle\(event, ctx\) method/);
  });
});
