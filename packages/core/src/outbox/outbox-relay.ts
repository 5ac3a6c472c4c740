import type { DriverProducer, KafkaDriver } from '../driver/types.js';
import { DatabaseError, DriverError, InvalidConfigError, InvalidStateError, OrdoError, messageOf } from '../errors.js';
import { consoleLogger, type Logger } from '../internal/logger.js';
import { resolveRetryPolicy, type BackoffConfig } from '../internal/retry-policy.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import { openSession, type SqlDatabase, type SqlSession } from '../sql/database.js';
import type { Outbox } from './outbox.js';
import { readHeldKeys } from './key-holds.js';
import { publishBatch, readBatch, relayStatement } from './relay-batch.js';
import { ShardLeases } from './shard-leases.js';
import { WakeSignal } from './wake-signal.js';

/** Configuration of {@link createOutboxRelay}. */
export interface OutboxRelayConfig {
  readonly outbox: Outbox;
  /** Where the outbox lives: a `pg` Pool, a PGlite instance or a `mysql2/promise` Pool. The relay holds one connection. */
  readonly database: SqlDatabase;
  /** Publishes the rows; the relay sends the stored bytes as they are. */
  readonly driver: KafkaDriver;
  /**
   * Shards split rows by key hash; each is owned by one relay at a time through a lease
   * (advisory lock / GET_LOCK), so relays can run side by side. Every relay of an outbox
   * must use the same count. @default 1
   */
  readonly shards?: number;
  /**
   * Most shards this relay holds at once, so that relays started together share the work;
   * leave one relay without a limit so every shard always has an owner. @default shards
   */
  readonly maxShards?: number;
  /** Rows per batch: larger batches amortize the wait for the broker's acknowledgements. @default 1_000 */
  readonly batchSize?: number;
  /** Longest wait between polls; on PostgreSQL a NOTIFY wakes the relay sooner. @default 1_000 */
  readonly pollIntervalMs?: number;
  /** How often a relay tries to take shards nobody holds. @default 5_000 */
  readonly leaseIntervalMs?: number;
  /** Wake up on NOTIFY (PostgreSQL and PGlite). @default true */
  readonly listen?: boolean;
  /** Backoff after a failed batch or a lost connection; the relay retries until stopped. @default { initialMs: 200, maxMs: 10_000 } */
  readonly backoff?: BackoffConfig;
  /** @default consoleLogger */
  readonly logger?: Logger;
}

/** Events of an {@link OutboxRelay}. */
export interface OutboxRelayEvents {
  /** The broker acknowledged rows; they are deleted next. */
  acknowledged: { readonly shard: number; readonly ids: readonly string[] };
  /** A batch is done: acknowledged (or moved to the failed table) and deleted; `ids` leaves out rows it held back. */
  published: { readonly shard: number; readonly count: number; readonly ids: readonly string[] };
  /** The broker refused a row for good: it moved to the failed-outbox table (and holds its key, unless its topic opts out). */
  'row-failed': {
    readonly shard: number;
    readonly id: string;
    readonly failureId: string;
    readonly error: unknown;
    readonly holdsKey: boolean;
  };
  /**
   * Keys of a shard held by a failed event and the rows waiting behind them, at each
   * lease check (`leaseIntervalMs`), zeros included: a gauge for metrics.
   * `outbox.heldKeys()` lists them.
   */
  held: { readonly shard: number; readonly keys: number; readonly rows: number };
  'lease-acquired': { readonly shard: number };
  'lease-lost': { readonly shards: readonly number[]; readonly error: unknown };
  error: { readonly error: OrdoError; readonly attempt: number };
}

/** Moves committed outbox rows to Kafka, in order, until stopped. */
export interface OutboxRelay {
  /** Connects, takes the shards it can, and starts relaying. @throws DatabaseError when the database cannot be reached */
  start(): Promise<void>;
  /** Finishes the batch in flight, gives the leases back and disconnects. */
  stop(): Promise<void>;
  /** Shards this relay holds now. */
  readonly ownedShards: readonly number[];
  on<K extends keyof OutboxRelayEvents>(event: K, listener: (payload: OutboxRelayEvents[K]) => void): () => void;
}

/**
 * Creates the outbox relay: a polling publisher that owns shards through leases, wakes
 * on NOTIFY, publishes each shard's rows in sequence order and deletes them only after
 * the broker acknowledged them (O7: a crash may repeat rows, never reorder them).
 *
 * @example
 * const relay = createOutboxRelay({ outbox, database: pool, driver });
 * await relay.start();
 */
export function createOutboxRelay(config: OutboxRelayConfig): OutboxRelay {
  const settings = resolveRelayConfig(config);
  const { outbox, database } = config;
  const logger = config.logger ?? consoleLogger;
  const emitter = new TypedEmitter<OutboxRelayEvents>((error) =>
    logger.error('outbox relay listener threw', { error }),
  );
  const wake = new WakeSignal();
  let producer: DriverProducer | undefined;
  let session: SqlSession | undefined;
  let leases: ShardLeases | undefined;
  let running = false;
  let loop: Promise<void> | undefined;

  async function connect(): Promise<void> {
    const opened = await openSession(database);
    try {
      await outbox.dialect.prepareSession(opened.executor);
      const identity = await outbox.dialect.tableIdentity(opened.executor, outbox.tables.outbox);
      const channel = outbox.tables.channel;
      if (settings.listen && channel !== null && outbox.dialect.name === 'postgres') {
        await opened.listen(channel, () => wake.signal());
      }
      opened.onLost((error) => {
        logger.warn('outbox relay lost its database connection', { error: messageOf(error) });
        wake.signal();
      });
      leases = new ShardLeases({
        database,
        dialect: outbox.dialect,
        tables: outbox.tables,
        identity,
        session: opened.executor,
        shards: settings.shards,
        maxShards: settings.maxShards,
      });
      session = opened;
    } catch (error) {
      await opened.release(true).catch(() => undefined);
      throw error;
    }
  }

  async function disconnect(destroy: boolean): Promise<void> {
    const held = leases?.owned ?? [];
    let closeConnection = destroy;
    if (!destroy) {
      // A connection that still holds a lease must never go back to a pool.
      await leases?.releaseAll().catch(() => (closeConnection = true));
    }
    leases?.forget();
    await session?.release(closeConnection).catch(() => undefined);
    session = undefined;
    leases = undefined;
    if (destroy && held.length > 0) emitter.emit('lease-lost', { shards: held, error: new Error('connection lost') });
  }

  async function runLoop(): Promise<void> {
    let failures = 0;
    let nextLeaseCheck = 0;
    while (running) {
      try {
        if (!session) await relayStatement(connect());
        if (Date.now() >= nextLeaseCheck) {
          for (const shard of await relayStatement(leases!.acquireFree())) emitter.emit('lease-acquired', { shard });
          nextLeaseCheck = Date.now() + settings.leaseIntervalMs;
          await reportHeld();
        }
        let moved = 0;
        for (const shard of leases!.owned) {
          if (!running) break;
          moved += await relayOneBatch(shard);
        }
        failures = 0;
        if (moved === 0 && running)
          await wake.wait(Math.min(settings.pollIntervalMs, Math.max(1, nextLeaseCheck - Date.now())));
      } catch (error) {
        failures++;
        const wrapped =
          error instanceof OrdoError
            ? error
            : new DriverError(`Outbox relay: ${messageOf(error)}`, { retriable: true, cause: error });
        emitter.emit('error', { error: wrapped, attempt: failures });
        logger.warn('outbox relay batch failed; retrying', { error: wrapped.message, attempt: failures });
        if (wrapped instanceof DatabaseError) {
          // A failed statement may have left the session mid-transaction or dead: start over.
          await disconnect(true);
          nextLeaseCheck = 0;
        } else if (!wrapped.retriable) {
          // Kafka refused the batch for good (e.g. a fatal idempotent-producer error): a
          // fresh producer; the rows are still in the outbox and are sent again, in order.
          await renewProducer();
        }
        // Interruptible: stop() signals the wake-up rather than waiting out the backoff.
        if (running) await wake.wait(settings.retry.delayMs(failures));
      }
    }
  }

  async function renewProducer(): Promise<void> {
    await producer?.disconnect().catch(() => undefined);
    producer = config.driver.createProducer();
    await producer
      .connect()
      .catch((error: unknown) => logger.warn('outbox relay producer connect failed', { error: messageOf(error) }));
  }

  async function reportHeld(): Promise<void> {
    for (const shard of leases!.owned) {
      const keys = await relayStatement(
        readHeldKeys(session!.executor, outbox.tables, { shard: { index: shard, count: settings.shards } }),
      );
      emitter.emit('held', { shard, keys: keys.length, rows: keys.reduce((sum, k) => sum + k.heldRows, 0) });
    }
  }

  async function relayOneBatch(shard: number): Promise<number> {
    const rows = await readBatch(
      session!.executor,
      outbox.tables,
      { index: shard, count: settings.shards },
      settings.batchSize,
    );
    if (rows.length === 0) return 0;
    const outcome = await publishBatch(
      {
        session: session!.executor,
        tables: outbox.tables,
        producer: producer!,
        holdsKey: (topic) => outbox.holdsKeyOnFailure(topic),
        onAcknowledged: (acked) => emitter.emit('acknowledged', { shard, ids: acked.map((r) => r.id) }),
      },
      rows,
    );
    for (const f of outcome.failed) emitter.emit('row-failed', { shard, ...f });
    emitter.emit('published', { shard, count: outcome.published, ids: outcome.doneIds });
    return rows.length;
  }

  /** start() and stop() run one after the other, never interleaved. */
  let lifecycle: Promise<unknown> = Promise.resolve();
  const serially = <T>(step: () => Promise<T>): Promise<T> => {
    const next = lifecycle.then(step);
    lifecycle = next.catch(() => undefined);
    return next;
  };

  return {
    start: () =>
      serially(async () => {
        if (running) throw new InvalidStateError('The outbox relay is already running');
        producer = config.driver.createProducer();
        await producer.connect();
        try {
          await connect();
        } catch (error) {
          await producer.disconnect();
          throw new DatabaseError(`Outbox relay cannot connect: ${messageOf(error)}`, { cause: error });
        }
        running = true;
        loop = runLoop();
      }),
    stop: () =>
      serially(async () => {
        if (!loop) return;
        running = false;
        wake.signal();
        await loop;
        loop = undefined;
        await disconnect(false);
        await producer?.disconnect();
      }),
    get ownedShards() {
      return leases?.owned ?? [];
    },
    on: (event, listener) => emitter.on(event, listener),
  };
}

function resolveRelayConfig(config: OutboxRelayConfig) {
  if (!config?.outbox) throw new InvalidConfigError('outbox', 'is required');
  if (!config.database) throw new InvalidConfigError('database', 'is required');
  if (!config.driver) throw new InvalidConfigError('driver', 'is required');
  const int = (value: number | undefined, fallback: number, field: string, min: number, max: number): number => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min || v > max)
      throw new InvalidConfigError(field, `must be an integer from ${min} to ${max}, got ${v}`);
    return v;
  };
  const shards = int(config.shards, 1, 'shards', 1, 1024);
  return {
    shards,
    maxShards: int(config.maxShards, shards, 'maxShards', 1, shards),
    batchSize: int(config.batchSize, 1_000, 'batchSize', 1, 10_000),
    pollIntervalMs: int(config.pollIntervalMs, 1_000, 'pollIntervalMs', 1, 3_600_000),
    leaseIntervalMs: int(config.leaseIntervalMs, 5_000, 'leaseIntervalMs', 1, 3_600_000),
    listen: config.listen ?? true,
    retry: resolveRetryPolicy({ attempts: 1, backoff: config.backoff ?? { initialMs: 200, maxMs: 10_000 } }, 'backoff'),
  };
}
