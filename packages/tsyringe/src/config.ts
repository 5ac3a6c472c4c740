import type {
  Codec,
  ConsumerConfig,
  ContractRegistry,
  DeadLetterConfig,
  Logger,
  OutboxConfig,
  OutboxRelayConfig,
  ProducerConfig,
  RetryConfig,
  SqlDatabase,
} from '@ordo/core';
import type { HandlerClass, HandlerScope } from './handler-class.js';

/**
 * How the dead letters of one source topic are handled instead of by the topic's
 * `@EventHandler`s. Classes are resolved through the container like event handlers.
 */
export interface DeadLetterOverride {
  /**
   * Handles every type of the topic's dead letters; a class declared with
   * `@DeadLetterHandler(topic, type)` handles only that type.
   */
  readonly handler?: HandlerClass;
  /** Handlers by event type; they win over `handler` of the same registration. */
  readonly handlers?: Readonly<Record<string, HandlerClass>>;
  /** Retry policy of this topic's dead letters, merged over the global one field by field. */
  readonly retry?: RetryConfig;
}

/** Dead-letter overrides by source topic: the value of a `DEAD_LETTER_OVERRIDES` registration. */
export type DeadLetterOverrides = Readonly<Record<string, DeadLetterOverride>>;

/** Dead-letter settings: core's {@link DeadLetterConfig} plus the dead-letter consumer's. */
export interface OrdoDeadLetterConfig extends DeadLetterConfig {
  /**
   * Run the dead-letter consumer in this process. Turn off where another process
   * (or the operator CLI) drains the dead letters.
   * @default true
   */
  readonly consume?: boolean;
  /**
   * Global retry policy of dead letters; per-topic overrides merge over it.
   * @default { attempts: 5, backoff: { initialMs: 1_000, maxMs: 60_000 } }
   */
  readonly retry?: RetryConfig;
  /** Group of the dead-letter consumer. @default `${groupId}.dead-letter` */
  readonly groupId?: string;
  /** Per-topic overrides, applied before every `DEAD_LETTER_OVERRIDES` registration. @default {} */
  readonly overrides?: DeadLetterOverrides;
}

/** Settings of the main consumer that the wiring does not decide itself. */
export type OrdoConsumerConfig = Omit<
  ConsumerConfig,
  'driver' | 'groupId' | 'topics' | 'contracts' | 'codec' | 'logger' | 'deadLetter'
>;

/** Settings of the producer that the wiring does not decide itself. */
export type OrdoProducerConfig = Omit<ProducerConfig, 'driver' | 'contracts' | 'codec'>;

/** Settings of the outbox relay that the wiring does not decide itself. */
export type OrdoOutboxRelayConfig = Omit<OutboxRelayConfig, 'outbox' | 'database' | 'driver' | 'logger'>;

/**
 * The transactional outbox: `ORDO_OUTBOX` writes events inside the application's
 * transactions; the relay, started and stopped with Ordo, publishes them.
 */
export interface OrdoOutboxConfig extends Omit<OutboxConfig, 'contracts' | 'codec' | 'logger'> {
  /**
   * Where the outbox lives: a `pg` Pool, a PGlite instance or a `mysql2/promise` Pool.
   * Required when this process runs the relay.
   * @default none
   */
  readonly database?: SqlDatabase;
  /**
   * The relay's settings, or `false` where another process (or Debezium) publishes the
   * rows. With `publisher: 'debezium'` there is no relay.
   * @default {} (a relay runs) with publisher 'relay'; false with publisher 'debezium'
   */
  readonly relay?: OrdoOutboxRelayConfig | false;
}

/**
 * Configuration of Ordo in a container, registered under `ORDO_CONFIG`. The driver is
 * not part of it: it comes from `ORDO_DRIVER`. The topics consumed are those of the
 * `@EventHandler`s wired.
 */
export interface OrdoConfig {
  /** Consumer group of the main consumer. */
  readonly groupId: string;
  /**
   * The `@EventHandler` classes to wire.
   * @default every class decorated with `@EventHandler` that the application imported
   */
  readonly handlers?: readonly HandlerClass[];
  /** How handler instances are resolved; `@EventHandler(..., { scope })` wins. @default 'message' */
  readonly handlerScope?: HandlerScope;
  /** Contracts, checked by the producer before sending and by the consumer after reading. @default none */
  readonly contracts?: ContractRegistry;
  /** @default jsonCodec */
  readonly codec?: Codec;
  /** @default consoleLogger (warnings and errors only) */
  readonly logger?: Logger;
  /** Main consumer: concurrency, retry, timeouts. @default core's defaults */
  readonly consumer?: OrdoConsumerConfig;
  /** @default core's defaults */
  readonly producer?: OrdoProducerConfig;
  /** Dead letters, the dead-letter consumer and its overrides. @default { enabled: false } */
  readonly deadLetter?: OrdoDeadLetterConfig;
  /** The transactional outbox and its relay. @default none (`ORDO_OUTBOX` cannot be resolved) */
  readonly outbox?: OrdoOutboxConfig;
}
