import { createConsumer, type Consumer } from '../consumer/consumer.js';
import type { ConsumerEvents } from '../consumer/consumer-events.js';
import type { EventHandler, HandlerRegistry } from '../consumer/handler-registry.js';
import type { KafkaDriver } from '../driver/types.js';
import { InvalidConfigError, InvalidMessageError } from '../errors.js';
import { DEAD_LETTER_HEADERS } from './dead-letter-headers.js';
import type { Logger } from '../internal/logger.js';
import type { RetryConfig } from '../internal/retry-policy.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import type { Codec } from '../message/json-codec.js';
import type { ResolvedDeadLetterConfig } from './dead-letter-config.js';
import { keyText } from './parked-key-text.js';

/** How the dead letters of one source topic are handled instead of the usual way. */
export interface DeadLetterOverride {
  /** Handles every type of this topic's dead letters (a fix-up handler). */
  readonly handler?: EventHandler;
  /** Handlers by event type; they win over `handler`. */
  readonly handlers?: Readonly<Record<string, EventHandler>>;
  /** Retry policy for this topic's dead letters. */
  readonly retry?: RetryConfig;
}

/** Options of a dead-letter consumer. */
export interface DeadLetterConsumerOptions {
  /** Per source topic: handlers and retry policy to use instead of the main ones. @default {} */
  readonly overrides?: Readonly<Record<string, DeadLetterOverride>>;
  /** Retries are slower than the main consumer's: the cause is usually not transient. @default { attempts: 5, backoff: { initialMs: 1_000, maxMs: 60_000 } } */
  readonly retry?: RetryConfig;
  /** @default `${groupId}.dead-letter` */
  readonly groupId?: string;
}

/** Events of a dead-letter consumer: those of its consumers, plus `resolved`. */
export interface DeadLetterConsumerEvents extends ConsumerEvents {
  /**
   * Every dead letter of a key is handled: the key is resolved and takes the normal path
   * again. `key` is its operator form (text, or `hex:…` for keys that are not plain text).
   */
  resolved: { readonly topic: string; readonly key: string };
}

/** Consumes `<topic>.dead-letter` topics in its own group and resolves parked keys as it drains them. */
export interface DeadLetterConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  on<K extends keyof DeadLetterConsumerEvents>(
    event: K,
    listener: (payload: DeadLetterConsumerEvents[K]) => void,
  ): () => void;
}

/** What the dead-letter consumer takes from its main consumer. @internal */
export interface DeadLetterSource {
  readonly driver: KafkaDriver;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handlers: HandlerRegistry;
  readonly config: ResolvedDeadLetterConfig;
  readonly logger: Logger;
  readonly codec: Codec;
}

const FORWARDED: ReadonlyArray<keyof ConsumerEvents> = [
  'handled',
  'retrying',
  'failed',
  'skipped',
  'committed',
  'rebalanced',
  'error',
];

/**
 * Creates the dead-letter consumer of a main consumer: one member per source topic in
 * the group `<group>.dead-letter`, running the same handlers (unless overridden), with
 * longer backoff. A failing dead letter blocks only its key. @internal use
 * `consumer.deadLetterConsumer()`.
 */
export function createDeadLetterConsumer(
  source: DeadLetterSource,
  options: DeadLetterConsumerOptions = {},
): DeadLetterConsumer {
  const overrides = options.overrides ?? {};
  for (const topic of Object.keys(overrides)) {
    if (!source.topics.includes(topic)) {
      throw new InvalidConfigError(
        `overrides.${topic}`,
        `no consumer of group "${source.groupId}" reads topic "${topic}"`,
      );
    }
  }
  const events = new TypedEmitter<DeadLetterConsumerEvents>((error) =>
    source.logger.error('A dead-letter consumer listener threw', { error: String(error) }),
  );
  const parking = source.config.parkingLot;
  const consumers: Consumer[] = source.topics.map((topic) => {
    const override = overrides[topic] ?? {};
    const consumer = createConsumer({
      driver: source.driver,
      groupId: options.groupId ?? `${source.groupId}.dead-letter`,
      topics: [source.config.topicName(topic)],
      retry: override.retry ?? options.retry ?? { attempts: 5, backoff: { initialMs: 1_000, maxMs: 60_000 } },
      codec: source.codec,
      logger: source.logger,
    });
    const resolving =
      (handler: EventHandler): EventHandler =>
      async (event, ctx) => {
        // Keys are their bytes: two binary keys with the same (lossy) text are different keys.
        const key = event.keyBytes;
        // Skipped only when the store says this very dead letter is handled or discarded:
        // "its key is not parked" is also what a dead letter read before its writer's
        // endPark looks like, and skipping that one would lose it (O2).
        if (key !== null && (await parking.settled(topic, key, event.offset))) {
          const record = { topic: event.topic, partition: event.partition, offset: event.offset, key: event.key };
          events.emit('skipped', { record, reason: 'already handled or discarded' });
          return;
        }
        // A dead letter whose value is in the failed-message store (too large to write)
        // cannot be handled from here: it holds its key until an operator acts.
        const failureId = event.headers[DEAD_LETTER_HEADERS.failureId];
        if (failureId !== undefined) {
          throw new InvalidMessageError(
            `The value of this dead letter is in the failed-message store as ${failureId}: handle it from there, then discard this dead letter`,
          );
        }
        await handler(event, ctx);
        if (key !== null && (await parking.handled(topic, key, event.offset))) {
          events.emit('resolved', { topic, key: keyText(key) });
        }
      };
    const dlTopic = source.config.topicName(topic);
    const types = new Set([...source.handlers.types(topic), ...Object.keys(override.handlers ?? {})]);
    for (const type of types) {
      const handler = override.handlers?.[type] ?? override.handler ?? source.handlers.get(topic, type);
      if (handler) consumer.handle(dlTopic, type, resolving(handler));
    }
    const catchAll = override.handler ?? source.handlers.get(topic, '*');
    if (catchAll) consumer.handle(dlTopic, '*', resolving(catchAll));
    for (const name of FORWARDED) consumer.on(name, (payload) => events.emit(name, payload as never));
    return consumer;
  });
  return {
    async start() {
      await Promise.all(consumers.map((c) => c.start()));
    },
    async stop() {
      await Promise.all(consumers.map((c) => c.stop()));
    },
    on: (event, listener) => events.on(event, listener),
  };
}
