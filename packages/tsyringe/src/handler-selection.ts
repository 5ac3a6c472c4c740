import { InvalidConfigError } from '@ordo/core';
import { declaredEventHandlers, eventHandlerDeclarationsOf, type EventHandlerDeclaration } from './decorators.js';
import { ConflictingHandlersError } from './errors.js';
import { nameOf, type HandlerClass } from './handler-class.js';

/**
 * The `@EventHandler` declarations to wire: those of `handlers` when given, else every
 * declaration made so far. Throws `ConflictingHandlersError` when two classes claim
 * one topic and type, `InvalidConfigError` for a listed class without `@EventHandler`.
 */
export function selectEventHandlers(handlers: readonly HandlerClass[] | undefined): EventHandlerDeclaration[] {
  let selected: EventHandlerDeclaration[];
  if (handlers === undefined) {
    selected = [...declaredEventHandlers()];
  } else {
    if (!Array.isArray(handlers)) throw new InvalidConfigError('handlers', 'must be an array of classes');
    selected = [...new Set(handlers)].flatMap((cls, i) => {
      const declarations = eventHandlerDeclarationsOf(cls);
      if (declarations.length === 0) {
        throw new InvalidConfigError(`handlers[${i}]`, `${nameOf(cls)} is not decorated with @EventHandler`);
      }
      return declarations;
    });
  }
  const byPair = new Map<string, EventHandlerDeclaration[]>();
  for (const declaration of selected) {
    const pair = JSON.stringify([declaration.topic, declaration.type]);
    byPair.set(pair, [...(byPair.get(pair) ?? []), declaration]);
  }
  for (const claims of byPair.values()) {
    if (claims.length > 1) {
      throw new ConflictingHandlersError(
        claims[0]!.topic,
        claims[0]!.type,
        claims.map((c) => nameOf(c.target)),
      );
    }
  }
  return selected;
}
