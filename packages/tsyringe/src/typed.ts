import type { ConsumedEvent } from '@ordo/core';
import { DeadLetterHandler, EventHandler } from './decorators.js';
import type { EventHandlerOptions, HandlerClass } from './handler-class.js';

/**
 * The event a handler of topic `T` and type `Y` receives, given a contract map `C`
 * (`{ [topic]: { [type]: value } }`). Without `Y`, the union over the topic's types,
 * which narrows on `event.type`.
 *
 * @example
 * interface ShopEvents { users: { 'user-created': { id: string; email?: string } } }
 * type Created = EventOf<ShopEvents, 'users', 'user-created'>; // event.value.email: string | undefined
 */
export type EventOf<C, T extends keyof C, Y extends keyof C[T] = keyof C[T]> = Y extends keyof C[T]
  ? ConsumedEvent<C[T][Y]> & { readonly type: Y }
  : never;

/** A class decorator that accepts only classes whose `handle` takes events `E`. */
export type TypedClassDecorator<E> = <K extends HandlerClass<E>>(target: K) => void;

/** The decorators of {@link handlersFor}, typed by a contract map `C`. */
export interface TypedHandlerDecorators<C> {
  /** `@EventHandler`, where `topic` and `type` must exist in `C` and `handle` must take their event. */
  EventHandler<T extends keyof C & string, Y extends keyof C[T] & string>(
    topic: T,
    type: Y,
    options?: EventHandlerOptions,
  ): TypedClassDecorator<EventOf<C, T, Y>>;
  /** `@DeadLetterHandler`, typed the same way; without `type`, `handle` takes any event of the topic. */
  DeadLetterHandler<T extends keyof C & string, Y extends keyof C[T] & string = keyof C[T] & string>(
    topic: T,
    type?: Y,
  ): TypedClassDecorator<EventOf<C, T, Y>>;
}

/**
 * The decorators, typed by a contract map: topics and types are checked against it,
 * and the event type a handler must accept is inferred from the topic and type given.
 * (TypeScript does not type a method's parameters from a decorator, so the handler
 * annotates `handle(event: EventOf<...>)`; a mismatch is a compile error at the decorator.)
 *
 * @example
 * interface ShopEvents { users: { 'user-created': UserCreated; 'user-renamed': UserRenamed } }
 * const { EventHandler } = handlersFor<ShopEvents>();
 *
 * @EventHandler('users', 'user-created')
 * class OnUserCreated { handle(event: EventOf<ShopEvents, 'users', 'user-created'>) { ... } }
 */
export function handlersFor<C extends object>(): TypedHandlerDecorators<C> {
  return {
    EventHandler: (topic, type, options) => EventHandler(topic, type, options) as TypedClassDecorator<never>,
    DeadLetterHandler: (topic, type) => DeadLetterHandler(topic, type) as TypedClassDecorator<never>,
  };
}
