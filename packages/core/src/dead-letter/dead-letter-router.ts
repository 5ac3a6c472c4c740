import type { ConsumedRecord, DeliveryReport, KafkaDriver, TopicPartition } from '../driver/types.js';
import {
  ContractViolationError,
  DecodeError,
  DriverError,
  OrdoError,
  UnknownEventTypeError,
  UnknownTopicError,
} from '../errors.js';
import type { Logger } from '../internal/logger.js';
import { sleep } from '../internal/sleep.js';
import { Breaker, type BreakerState } from './breaker.js';
import type { ResolvedDeadLetterConfig } from './dead-letter-config.js';
import type { DeadLetterFacts, DeadLetterReason } from './dead-letter-headers.js';
import { DeadLetterWriter, coordinates, type DeadLetterErrorListener } from './dead-letter-writer.js';
import { ABORTED, asStepError, retryUntilDone } from './until-done.js';

/** The reason recorded for an event that failed with this error. */
export function reasonFor(error: OrdoError): DeadLetterReason {
  if (error instanceof DecodeError) return 'undecodable';
  if (error instanceof ContractViolationError) return 'contract';
  if (error instanceof UnknownEventTypeError) return 'unknown-type';
  return 'handler-error';
}

/**
 * Writes dead letters: to `<topic>.dead-letter`, same partition number, same key,
 * value and headers plus the dead-letter headers, parking the key around the write.
 * A failed write, and a failed parking-lot step, is retried with backoff until it
 * succeeds or the partition is given up, and every failure is reported through
 * `onError`: a dead letter is never dropped, and the source offset commits only after
 * the write (O2). Only the record's own lane (and so its partition's commit point)
 * waits meanwhile. A write the producer refuses for good is set aside in another form
 * (see `setAside`) or, when none is left, blocks loudly.
 */
export class DeadLetterRouter {
  private readonly writer: DeadLetterWriter;
  private readonly breakers = new Map<string, Breaker>();
  private readonly ensured = new Map<string, Promise<void>>();
  /** Aborted by `stopRetrying()`: a stopping consumer waits for no backoff. */
  private readonly stopping = new AbortController();

  constructor(
    private readonly driver: KafkaDriver,
    readonly config: ResolvedDeadLetterConfig,
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly onBreaker: (breaker: Breaker, from: BreakerState, to: BreakerState) => void,
    private readonly onError: DeadLetterErrorListener,
  ) {
    this.writer = new DeadLetterWriter({
      producer: driver.createProducer(),
      config,
      groupId,
      logger,
      ensureTopic: (topic) => this.ensureFor(topic),
      onError,
    });
  }

  /** Whether the record's key has unresolved dead letters. */
  isParked(record: ConsumedRecord): boolean {
    const key = record.key; // bytes: keys that decode to the same text are still different keys
    return key !== null && this.config.parkingLot.isParked(record.topic, key);
  }

  /**
   * Loads the parked keys of newly assigned partitions, retrying while the store cannot
   * be read: processing them without knowing their parked keys could break O1.
   */
  async loadParked(partitions: readonly TopicPartition[], onError: (error: OrdoError) => void): Promise<void> {
    for (let delay = 100; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        return await this.config.parkingLot.load(partitions);
      } catch (error) {
        onError(
          error instanceof OrdoError
            ? error
            : new DriverError(`Loading parked keys failed: ${String(error)}`, { retriable: true, cause: error }),
        );
        await sleep(delay);
      }
    }
  }

  /** Asks the parking store itself whether the record's key is still parked. */
  confirmParked(record: ConsumedRecord): Promise<boolean> {
    const key = record.key;
    return key === null ? Promise.resolve(false) : this.config.parkingLot.check(record.topic, key);
  }

  breaker(topic: string): Breaker {
    let breaker = this.breakers.get(topic);
    if (!breaker) {
      breaker = new Breaker(topic, this.config.breakerFor(topic), (from, to, b) => this.onBreaker(b, from, to));
      this.breakers.set(topic, breaker);
    }
    return breaker;
  }

  /**
   * Creates each dead-letter topic with at least its source topic's partition count.
   * Sources that do not exist yet are skipped here and ensured before their first
   * dead letter.
   */
  async ensureTopics(topics: readonly string[]): Promise<void> {
    await Promise.all(
      topics.map((topic) =>
        this.ensureFor(topic).catch((error: unknown) => {
          if (!(error instanceof UnknownTopicError)) throw error;
        }),
      ),
    );
  }

  /**
   * The dead-letter topic of `topic`, with at least as many partitions: a dead letter
   * goes to its source's partition number, which must exist. Once per topic per router.
   */
  private ensureFor(topic: string): Promise<void> {
    let ensured = this.ensured.get(topic);
    if (!ensured) {
      const admin = this.driver.admin();
      ensured = admin
        .describeTopics([topic])
        .then(([source]) =>
          admin.ensureTopics([{ name: this.config.topicName(topic), partitions: source!.partitions }]),
        )
        .catch((error: unknown) => {
          this.ensured.delete(topic); // try again next time
          throw error;
        });
      this.ensured.set(topic, ensured);
    }
    return ensured;
  }

  /**
   * Dead-letters one record. Resolves with where it was written, or `undefined` when
   * `signal` aborted first (the partition was lost; its new owner redoes the event).
   */
  async route(
    record: ConsumedRecord,
    facts: DeadLetterFacts,
    signal: AbortSignal,
  ): Promise<DeliveryReport | undefined> {
    signal = AbortSignal.any([signal, this.stopping.signal]);
    const key = record.key;
    const parking = this.config.parkingLot;
    // Counted when decided, not when written: failures that arrive together must not
    // all slip past the threshold while the first writes are in flight.
    if (facts.reason !== 'parked') this.breaker(record.topic).recordDeadLetter();
    if (key !== null) {
      const begin = () => parking.beginPark(record.topic, record.partition, key);
      // Tried once as a plain call: a parked key's next event races the dead-letter
      // consumer resolving the key, and extra turns of the microtask queue tip that race.
      try {
        await begin();
      } catch (error) {
        if ((await this.retry(record, signal, 'Parking the key', begin, error)) === ABORTED) return undefined;
      }
    }
    let written: DeliveryReport | undefined;
    try {
      written = await this.writer.write(record, facts, signal);
      return written;
    } finally {
      if (key !== null) {
        const offset = written?.offset ?? -1;
        const end = () => parking.endPark(record.topic, key, offset);
        try {
          await end();
        } catch (error) {
          // Given up (partition lost, stop past its deadline): one last try, so that a
          // store that is back does not keep the park pending.
          if ((await this.retry(record, signal, 'Ending the park', end, error)) === ABORTED) {
            await end().catch((last: unknown) => this.onError(asStepError(last, 'Ending the park'), record));
          }
        }
      }
    }
  }

  /**
   * Ends every retry at its next wait: the consumer is stopping. A dead letter given up
   * so is not committed (O2); the partition's next owner redoes its event. Without this,
   * a partition blocked by an unwritable dead letter would hold `stop()` for the whole
   * `shutdownTimeoutMs`.
   */
  stopRetrying(): void {
    this.stopping.abort();
  }

  /** Releases the producer, whatever state its connect or the last write left it in. */
  close(): Promise<void> {
    return this.writer.close();
  }

  /** Retries a failed parking-lot step until it succeeds, reporting each failure with the record. */
  private retry<T>(record: ConsumedRecord, signal: AbortSignal, what: string, step: () => Promise<T>, failed: unknown) {
    return retryUntilDone(step, failed, {
      what,
      signal,
      report: (error, delayMs) => {
        this.logger.debug(`${what} for ${coordinates(record)} failed; retrying in ${delayMs} ms`, {
          error: error.message,
        });
        this.onError(error, record);
      },
    });
  }
}
