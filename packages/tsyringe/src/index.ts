/**
 * @ordo/tsyringe: Ordo in a tsyringe container. Handlers are classes registered with
 * decorators and resolved through the container; dead-letter fixes are switched on by
 * appending `DEAD_LETTER_OVERRIDES` registrations, not by editing code.
 *
 * @example
 * import 'reflect-metadata';
 * import { container } from 'tsyringe';
 * import { EventHandler, ORDO_DRIVER, registerOrdo } from '@ordo/tsyringe';
 *
 * @EventHandler('users', 'user-created')
 * class OnUserCreated { async handle(event: ConsumedEvent<UserCreated>) { ... } }
 *
 * container.register(ORDO_DRIVER, { useValue: rdkafkaDriver({ brokers }) });
 * const ordo = registerOrdo(container, { groupId: 'mobile-app', deadLetter: { enabled: true } });
 * await ordo.start();
 */
import 'reflect-metadata';

export { EventHandler, DeadLetterHandler } from './decorators.js';
export { handlersFor, type EventOf, type TypedClassDecorator, type TypedHandlerDecorators } from './typed.js';
export type { EventHandlerOptions, HandlerClass, HandlerInstance, HandlerScope } from './handler-class.js';
export { ORDO, ORDO_CONFIG, ORDO_DRIVER, ORDO_PRODUCER, ORDO_OUTBOX, DEAD_LETTER_OVERRIDES } from './tokens.js';
export type {
  DeadLetterOverride,
  DeadLetterOverrides,
  OrdoConfig,
  OrdoConsumerConfig,
  OrdoDeadLetterConfig,
  OrdoOutboxConfig,
  OrdoOutboxRelayConfig,
  OrdoProducerConfig,
} from './config.js';
export { DEFAULT_DEAD_LETTER_RETRY } from './retry-merge.js';
export { registerOrdo } from './register-ordo.js';
export type { Ordo } from './ordo.js';
export { ConflictingHandlersError, UnresolvableHandlerError } from './errors.js';
