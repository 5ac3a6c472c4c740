import type { ConsumedRecord, DeliveryReport, DriverProducer, ProducerRecord } from '../driver/types.js';
import { DeadLetterWriteError, DriverError, OrdoError, isRetriable, messageOf } from '../errors.js';
import type { Logger } from '../internal/logger.js';
import { sleep } from '../internal/sleep.js';
import type { ResolvedDeadLetterConfig } from './dead-letter-config.js';
import { deadLetterHeaders, type DeadLetterFacts } from './dead-letter-headers.js';
import { setAside, type SetAside } from './set-aside.js';
import { FIRST_DELAY_MS, nextDelay } from './until-done.js';

/** Told of every failure on a record's dead-letter path; the consumer emits it as `error`. */
export type DeadLetterErrorListener = (error: OrdoError, record: ConsumedRecord) => void;

/** Where a record sits, for messages: `topic/partition@offset`. */
export function coordinates(record: ConsumedRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/** What a {@link DeadLetterWriter} works with. */
export interface DeadLetterWriterDeps {
  readonly producer: DriverProducer;
  readonly config: ResolvedDeadLetterConfig;
  readonly groupId: string;
  readonly logger: Logger;
  /** Makes sure the source topic's dead-letter topic exists. */
  readonly ensureTopic: (topic: string) => Promise<void>;
  readonly onError: DeadLetterErrorListener;
}

/**
 * Writes one dead letter until it is written or its signal aborts, reporting every
 * failed try. A write refused for good is tried again in the form `setAside` gives
 * (encoded headers, value in the failed-message store); with none left it keeps
 * failing loudly, with backoff, and is never dropped.
 */
export class DeadLetterWriter {
  private connecting: Promise<void> | undefined;

  constructor(private readonly deps: DeadLetterWriterDeps) {}

  async write(
    record: ConsumedRecord,
    facts: DeadLetterFacts,
    signal: AbortSignal,
  ): Promise<DeliveryReport | undefined> {
    let target: ProducerRecord = {
      topic: this.deps.config.topicName(record.topic),
      partition: record.partition,
      key: record.key,
      value: record.value,
      headers: deadLetterHeaders(record, { ...facts, groupId: this.deps.groupId }),
      timestamp: record.timestamp,
    };
    for (let delay = FIRST_DELAY_MS; !signal.aborted;) {
      let failure: OrdoError;
      let connected = false;
      try {
        await this.deps.ensureTopic(record.topic);
        // Awaited as it is, with no wrapper: see DeadLetterRouter.route on extra turns.
        await (this.connecting ??= this.deps.producer.connect());
        connected = true;
        const [report] = await this.deps.producer.send([target]);
        return report;
      } catch (error) {
        if (!connected) this.connecting = undefined; // a failed connect is tried again
        failure = asWriteFailure(error);
      }
      let next: SetAside | undefined;
      let then = `retrying in ${delay} ms`;
      let retriable = failure.retriable;
      try {
        next = failure.retriable ? undefined : await setAside(target, record, failure, this.deps.config.failedMessages);
      } catch (error) {
        // The failed-message store failed: the whole write is tried again.
        then = `setting it aside failed (${messageOf(error)}); ${then}`;
        retriable = isRetriable(error);
      }
      if (next) {
        // Said once, loudly: the dead letter is not the record as it was.
        this.report(record, target, failure, `written instead with its ${next.how}`, failure.retriable);
        target = next.target;
        continue;
      }
      this.report(record, target, failure, then, retriable);
      await sleep(delay, signal);
      delay = nextDelay(delay);
    }
    return undefined;
  }

  /**
   * Reports a failed write: `retriable` false means it stays blocked until someone acts.
   * The `error` event is the report (the consumer logs it when nobody listens); the log
   * line here is only for debugging.
   */
  private report(
    record: ConsumedRecord,
    target: ProducerRecord,
    failure: OrdoError,
    then: string,
    retriable: boolean,
  ): void {
    const message = `Dead letter of ${coordinates(record)} could not be written to ${target.topic} (${failure.code}: ${failure.message}); ${then}`;
    this.deps.logger.debug(message);
    this.deps.onError(new DeadLetterWriteError(message, record, { retriable, cause: failure }), record);
  }

  /** Releases the producer, whatever state its connect or the last write left it in. */
  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    await connecting?.catch(() => undefined);
    await this.deps.producer.disconnect();
  }
}

/** Ordo's errors as they are; anything else a driver threw is presumed transient. */
function asWriteFailure(error: unknown): OrdoError {
  if (error instanceof OrdoError) return error;
  return new DriverError(`Dead-letter write failed: ${messageOf(error)}`, { retriable: true, cause: error });
}
