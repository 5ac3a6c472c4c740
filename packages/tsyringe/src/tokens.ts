/**
 * Injection tokens of @ordo/tsyringe. Symbols from the global registry (`Symbol.for`),
 * so two copies of the package in one application still agree on them.
 */

/**
 * The {@link OrdoConfig}. `registerOrdo(container, config)` registers it; a later
 * registration wins, so a test may append its own.
 */
export const ORDO_CONFIG: unique symbol = Symbol.for('@ordo/tsyringe:ORDO_CONFIG');

/**
 * The `KafkaDriver` every part uses: `rdkafkaDriver(...)` in production, an
 * `InMemoryKafka` in tests. The last registration wins, so swapping it is one line:
 *
 * @example
 * container.register(ORDO_DRIVER, { useValue: new InMemoryKafka({ partitions: 4 }) });
 */
export const ORDO_DRIVER: unique symbol = Symbol.for('@ordo/tsyringe:ORDO_DRIVER');

/**
 * Per-topic dead-letter overrides ({@link DeadLetterOverrides}). Register it as often as
 * needed: every registration is read (`resolveAll`) and merged, later ones winning.
 *
 * @example
 * container.register(DEAD_LETTER_OVERRIDES, { useValue: { users: { handler: BackfillEmail } } });
 */
export const DEAD_LETTER_OVERRIDES: unique symbol = Symbol.for('@ordo/tsyringe:DEAD_LETTER_OVERRIDES');

/** The {@link Ordo} runtime that `registerOrdo` registered: `start()`, `stop()`, events. */
export const ORDO: unique symbol = Symbol.for('@ordo/tsyringe:ORDO');

/** The wired `Producer` of `@ordo/core`, for services that publish: `@inject(ORDO_PRODUCER)`. */
export const ORDO_PRODUCER: unique symbol = Symbol.for('@ordo/tsyringe:ORDO_PRODUCER');

/** The transactional `Outbox` of `@ordo/core`, for writes inside the application's transactions: `@inject(ORDO_OUTBOX)`. */
export const ORDO_OUTBOX: unique symbol = Symbol.for('@ordo/tsyringe:ORDO_OUTBOX');
