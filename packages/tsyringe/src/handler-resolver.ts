import type { EventHandler } from '@ordo/core';
import type { DependencyContainer } from 'tsyringe';
import { UnresolvableHandlerError } from './errors.js';
import { nameOf, type HandlerClass, type HandlerInstance, type HandlerScope } from './handler-class.js';

/**
 * Turns handler classes into core `EventHandler` functions that resolve their instance
 * through the container, per message or once. Every class is resolved once when it is
 * prepared, so that a class the container cannot build fails `start()`, not a message.
 */
export class HandlerResolver {
  private readonly singletons = new Map<HandlerClass, HandlerInstance>();

  constructor(private readonly container: DependencyContainer) {}

  /**
   * The handler function of a class in a scope; `role` says what the class is for, in errors.
   * @throws UnresolvableHandlerError
   */
  prepare(cls: HandlerClass, scope: HandlerScope, role: string): EventHandler {
    if (scope === 'singleton') {
      const instance = this.singleton(cls, role);
      return (event, ctx) => instance.handle(event, ctx);
    }
    // Resolved once in the container itself, not in a child: tsyringe's dispose() reaches
    // every instance a container built, singletons included, so singletons first built
    // inside a per-message child would be disposed with it. Built here, they are not.
    this.resolve(this.container, cls, role);
    return async (event, ctx) => {
      // A child container per message: `ContainerScoped` registrations live as long as the
      // message, and disposable instances built for it are disposed when it is done.
      const perMessage = this.container.createChildContainer();
      try {
        return await perMessage.resolve(cls).handle(event, ctx);
      } finally {
        await perMessage.dispose();
      }
    };
  }

  private singleton(cls: HandlerClass, role: string): HandlerInstance {
    let instance = this.singletons.get(cls);
    if (!instance) this.singletons.set(cls, (instance = this.resolve(this.container, cls, role)));
    return instance;
  }

  private resolve(container: DependencyContainer, cls: HandlerClass, role: string): HandlerInstance {
    let instance: HandlerInstance;
    try {
      instance = container.resolve(cls);
    } catch (error) {
      throw new UnresolvableHandlerError(nameOf(cls), role, error);
    }
    if (typeof instance?.handle !== 'function') {
      const problem = new TypeError(`the container returned ${nameOf(instance?.constructor)}, which has no handle()`);
      throw new UnresolvableHandlerError(nameOf(cls), role, problem);
    }
    return instance;
  }
}
