import { DuplicateHandlerError, InvalidConfigError, messageOf } from '@ordo/core';

/**
 * Two decorated classes handle the same topic and event type. Carries core's
 * `ORDO_DUPLICATE_HANDLER` code; the message names both classes.
 */
export class ConflictingHandlersError extends DuplicateHandlerError {
  readonly topic: string;
  readonly type: string;
  /** Names of the classes that claim the pair. */
  readonly classes: readonly string[];
  constructor(topic: string, type: string, classes: readonly string[]) {
    super(topic, type);
    this.message =
      `@EventHandler('${topic}', '${type}') is declared by ${classes.join(' and ')}: ` +
      'keep one handler per topic and type, and compose inside it';
    this.topic = topic;
    this.type = type;
    this.classes = classes;
  }
}

/**
 * The container cannot build a decorated handler class: a dependency is not registered,
 * or the class has constructor parameters and neither decorator metadata nor `@inject`.
 * Carries core's `ORDO_INVALID_CONFIG` code; `field` names the class; `cause` is the
 * container's own error.
 */
export class UnresolvableHandlerError extends InvalidConfigError {
  /** Name of the class the container could not build. */
  readonly className: string;
  constructor(className: string, role: string, cause: unknown) {
    super(
      className,
      `${role} cannot be resolved by the container: ${messageOf(cause)}\n` +
        'Register its dependencies, or, without emitDecoratorMetadata, name them with @inject(token).',
    );
    this.className = className;
    Object.defineProperty(this, 'cause', { value: cause, configurable: true, writable: true });
  }
}
