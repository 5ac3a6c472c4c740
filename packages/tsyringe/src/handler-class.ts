import type { ConsumedEvent, HandlerContext } from '@ordo/core';

/**
 * How handler instances are resolved through the container.
 * `message`: once per message, in a child container disposed when the message is done
 * (a class registered as a singleton stays one); `singleton`: once, at `start()`.
 */
export type HandlerScope = 'message' | 'singleton';

/**
 * What a handler instance offers. A property, not a method, so that TypeScript checks
 * the event parameter strictly (methods are compared bivariantly).
 */
export interface HandlerInstance<E = ConsumedEvent> {
  handle: (event: E, ctx: HandlerContext) => unknown;
}

/** A class whose instances handle events; its constructor parameters come from the container. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- constructors take whatever the container injects
export type HandlerClass<E = ConsumedEvent<any>> = new (...args: any[]) => HandlerInstance<E>;

/** Options of `@EventHandler`. */
export interface EventHandlerOptions {
  /** How instances of this class are resolved. @default the config's `handlerScope` ('message') */
  readonly scope?: HandlerScope;
}

/** The readable name of a class, for messages. */
export function nameOf(target: unknown): string {
  return typeof target === 'function' && target.name ? target.name : String(target);
}
