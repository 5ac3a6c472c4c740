import type { ConsumedRecord, DeliveryReport, DriverProducer, KafkaDriver, TopicPartition } from '../driver/types.js';
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
import { deadLetterHeaders, type DeadLetterFacts, type DeadLetterReason } from './dead-letter-headers.js';

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
 * A failed write is retried until it succeeds or the partition is given up: a dead
 * letter is never dropped, and the source offset commits only after the write (O2).
 */
export class DeadLetterRouter {
  private readonly producer: DriverProducer;
  private connecting: Promise<void> | undefined;
  private readonly breakers = new Map<string, Breaker>();
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(
    private readonly driver: KafkaDriver,
    readonly config: ResolvedDeadLetterConfig,
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly onBreaker: (breaker: Breaker, from: BreakerState, to: BreakerState) => void,
  ) {
    this.producer = driver.createProducer();
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
    const key = record.key;
    const parking = this.config.parkingLot;
    // Counted when decided, not when written: failures that arrive together must not
    // all slip past the threshold while the first writes are in flight.
    if (facts.reason !== 'parked') this.breaker(record.topic).recordDeadLetter();
    if (key !== null) await parking.beginPark(record.topic, record.partition, key);
    let written: DeliveryReport | undefined;
    try {
      written = await this.write(record, facts, signal);
      return written;
    } finally {
      if (key !== null) await parking.endPark(record.topic, key, written?.offset ?? -1);
    }
  }

  async close(): Promise<void> {
    if (this.connecting) await this.producer.disconnect();
    this.connecting = undefined;
  }

  private async write(
    record: ConsumedRecord,
    facts: DeadLetterFacts,
    signal: AbortSignal,
  ): Promise<DeliveryReport | undefined> {
    const target = {
      topic: this.config.topicName(record.topic),
      partition: record.partition,
      key: record.key,
      value: record.value,
      headers: deadLetterHeaders(record, { ...facts, groupId: this.groupId }),
      timestamp: record.timestamp,
    };
    for (let delay = 100; !signal.aborted; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.ensureFor(record.topic);
        this.connecting ??= this.producer.connect();
        await this.connecting;
        const [report] = await this.producer.send([target]);
        return report;
      } catch (error) {
        this.connecting = undefined;
        this.logger.warn(`Dead-letter write to ${target.topic} failed; retrying in ${delay} ms`, {
          error: String(error),
        });
        await sleep(delay, signal);
      }
    }
    return undefined;
  }
}
