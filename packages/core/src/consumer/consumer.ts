import type { TopicPartition } from '../driver/types.js';
import {
  createDeadLetterConsumer,
  type DeadLetterConsumer,
  type DeadLetterConsumerOptions,
} from '../dead-letter/dead-letter-consumer.js';
import { DeadLetterRouter } from '../dead-letter/dead-letter-router.js';
import { InvalidConfigError, InvalidStateError } from '../errors.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import { resolveConsumerConfig, type ConsumerConfig } from './consumer-config.js';
import { refOf } from './consumed-event.js';
import { ConsumerEngine } from './consumer-engine.js';
import type { ConsumerEvents, ConsumerState } from './consumer-events.js';
import { ConsumerLifecycle } from './consumer-lifecycle.js';
import { HandlerRegistry, type EventHandler } from './handler-registry.js';

/** Largest batch asked of the driver: the seam's default. */
const MAX_BATCH = 500;

/** A consumer-group member that runs handlers per key, in order. */
export interface Consumer {
  /**
   * Registers the handler for an event type on a topic; one per pair.
   * @throws DuplicateHandlerError | InvalidConfigError | InvalidStateError (after start)
   */
  handle<V = unknown>(topic: string, type: string, handler: EventHandler<V>): this;
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof ConsumerEvents>(event: K, listener: (payload: ConsumerEvents[K]) => void): () => void;
  /** Joins the group and starts handling. Resolves once the first assignment is in place. */
  start(): Promise<void>;
  /**
   * Stops gracefully: no new dispatch, in-flight handlers finish (up to
   * `shutdownTimeoutMs`), completed offsets are committed, then the group is left.
   */
  stop(): Promise<void>;
  readonly state: ConsumerState;
  /** Partitions this member owns now. */
  assignment(): TopicPartition[];
  /**
   * The dead-letter consumer of this consumer: its own group, the same handlers unless
   * overridden per topic, resolving parked keys as it drains them. Needs `deadLetter.enabled`.
   */
  deadLetterConsumer(options?: DeadLetterConsumerOptions): DeadLetterConsumer;
}

/**
 * Creates a consumer: per-key lanes in parallel, retries with backoff, commits of the
 * completed prefix only, backpressure and safe rebalances.
 *
 * @example
 * const consumer = createConsumer({
 *   driver, groupId: 'mobile-app', topics: ['users'],
 *   concurrency: { mode: 'key', maxInFlight: 64 },
 *   retry: { attempts: 3, backoff: { initialMs: 200, maxMs: 10_000 } },
 * });
 * consumer.handle('users', 'user-updated', async (event) => { await save(event.value); });
 * await consumer.start();
 */
export function createConsumer(config: ConsumerConfig): Consumer {
  const resolved = resolveConsumerConfig(config);
  const handlers = new HandlerRegistry(new Set(resolved.topics));
  const events = new TypedEmitter<ConsumerEvents>((error, event) =>
    resolved.logger.error(`A "${String(event)}" listener threw`, { error: String(error) }),
  );
  const lifecycle = new ConsumerLifecycle((from, to) => events.emit('state', { from, to }));
  let engine: ConsumerEngine | undefined;
  let stopFn: (() => Promise<void>) | undefined;

  // Errors nobody listens to must still be seen.
  events.on('error', ({ error }) => {
    if (events.listenerCount('error') === 1) {
      resolved.logger.error(error.message, { code: error.code, retriable: error.retriable });
    }
  });

  const consumer: Consumer = {
    handle(topic, type, handler) {
      if (lifecycle.state !== 'idle' && lifecycle.state !== 'stopped') {
        throw new InvalidStateError(`Register handlers before start(); the consumer is ${lifecycle.state}`);
      }
      handlers.add(topic, type, handler as EventHandler);
      return consumer;
    },
    on: (event, listener) => events.on(event, listener),
    get state() {
      return lifecycle.state;
    },
    assignment: () => engine?.owned() ?? [],
    async start() {
      lifecycle.to('starting');
      const router = resolved.deadLetter
        ? new DeadLetterRouter(
            resolved.driver,
            resolved.deadLetter,
            resolved.groupId,
            resolved.logger,
            (b, from, to) => engine?.onBreaker(b, from, to),
            (error, record) => events.emit('error', { error, record: refOf(record) }),
          )
        : undefined;
      await router?.ensureTopics(resolved.topics);
      const driverConsumer = resolved.driver.createConsumer({
        groupId: resolved.groupId,
        autoOffsetReset: resolved.autoOffsetReset,
        // Backpressure pauses a partition after the batch that fills its buffer: a batch
        // no larger than the buffer keeps what it holds under twice the limit.
        maxBatchSize: Math.min(MAX_BATCH, resolved.maxBufferedPerPartition),
      });
      engine = new ConsumerEngine(
        resolved,
        {
          groupId: resolved.groupId,
          codec: resolved.codec,
          contracts: resolved.contracts,
          handlers,
          onUnknownType: resolved.onUnknownType,
          retry: resolved.retry,
        },
        events,
        driverConsumer,
        router,
      );
      try {
        await driverConsumer.subscribe(resolved.topics, engine);
      } catch (error) {
        await router?.close();
        lifecycle.to('stopped');
        throw error;
      }
      lifecycle.to('running');
      stopFn = async () => {
        // Every client is released even when a step before it fails: a client left
        // open keeps the process from exiting.
        try {
          await engine!.shutdown();
        } finally {
          try {
            await driverConsumer.disconnect();
          } finally {
            await router?.close();
          }
        }
      };
    },
    deadLetterConsumer(options) {
      if (!resolved.deadLetter) {
        throw new InvalidConfigError('deadLetter.enabled', 'must be true to create a dead-letter consumer');
      }
      return createDeadLetterConsumer(
        {
          driver: resolved.driver,
          groupId: resolved.groupId,
          topics: resolved.topics,
          handlers,
          config: resolved.deadLetter,
          logger: resolved.logger,
          codec: resolved.codec,
        },
        options,
      );
    },
    async stop() {
      if (lifecycle.state !== 'running') return;
      lifecycle.to('stopping');
      try {
        await stopFn?.();
      } finally {
        lifecycle.to('stopped');
      }
    },
  };
  return consumer;
}
