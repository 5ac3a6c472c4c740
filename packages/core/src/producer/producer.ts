import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { DeliveryReport, KafkaDriver, ProducerRecord } from '../driver/types.js';
import type { OrdoError } from '../errors.js';
import { DeliveryError, InvalidConfigError } from '../errors.js';
import { HEADERS, headersFromRaw } from '../message/headers.js';
import { jsonCodec, type Codec } from '../message/json-codec.js';
import type { FailedMessageStore } from '../outbox/failed/failed-message.js';
import type { OutgoingMessage } from '../message/message.js';
import { resolveRetryPolicy, type RetryConfig } from '../internal/retry-policy.js';
import { buildRecord, type BuiltRecord, type RecordBuildContext } from './build-record.js';
import { asDeliveryError, notWritten, withBatchOutcomes } from './delivery-outcomes.js';
import { RecordArchive } from './record-archive.js';
import { SendSequencer, type HeldSend } from './send-sequencer.js';

/** Configuration of {@link createProducer}. */
export interface ProducerConfig {
  readonly driver: KafkaDriver;
  /** Contracts to validate against before sending. @default none (no validation) */
  readonly contracts?: ContractRegistry;
  /** @default jsonCodec */
  readonly codec?: Codec;
  /** Largest record sent. @default the driver's `capabilities.maxRecordBytes` */
  readonly maxRecordBytes?: number;
  /**
   * Resends after a retriable delivery failure. The drivers already retry inside one
   * send without duplicates; this covers failures they give up on. Only the records
   * not known written are resent (see `DeliveryError.outcomes`); one whose fate is
   * `unknown` may then be stored twice, with the same `ordo-id` (O6).
   *
   * Per-key order holds across these retries: while records of a key (topic + key
   * bytes) wait for a resend, later publishes containing that key wait behind them and
   * go out after, in order; other keys are never held. A later publish the driver had
   * already taken before the failure was reported is not held: whether it can land
   * first depends on the driver (InMemoryKafka: yes, it stores each send on its own;
   * `@ordo/rdkafka`: see its README, "Order across retries").
   * @default { attempts: 3, backoff: { initialMs: 100, maxMs: 2_000 } }
   */
  readonly retry?: RetryConfig;
  /**
   * Where events go when delivery fails for good (the broker unreachable after the
   * retries): a `SqlFailedMessageStore` or an `NdjsonFailedMessageStore`. The records
   * not known written are stored before `publish` rejects, and the `DeliveryError`
   * carries their `failureIds`, so an operator can republish them (`createFailedMessages`).
   * @default none (the error is only thrown)
   */
  readonly failedMessages?: FailedMessageStore;
}

/** Where a published event landed, with the id it carries. */
export interface PublishResult extends DeliveryReport {
  readonly id: string;
}

/** Publishes events to Kafka. */
export interface Producer {
  /**
   * Validates, encodes and sends one event; resolves once the broker acknowledged it.
   * @throws ContractViolationError | MissingKeyError | EncodeError | RecordTooLargeError | DeliveryError
   */
  publish<V>(message: OutgoingMessage<V>): Promise<PublishResult>;
  /**
   * Sends several events as one batch, in order. All are validated first: if one is
   * invalid, none is sent.
   */
  publishMany(messages: readonly OutgoingMessage[]): Promise<PublishResult[]>;
  /** Connects now rather than on the first publish. */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * Creates a producer: validate contract → encode → send → await delivery.
 *
 * @example
 * const producer = createProducer({ driver, contracts });
 * await producer.publish({ topic: 'users', key: user.id, type: 'user-updated', value: user });
 */
export function createProducer(config: ProducerConfig): Producer {
  if (!config?.driver) throw new InvalidConfigError('driver', 'is required');
  const ctx: RecordBuildContext = {
    codec: config.codec ?? jsonCodec,
    contracts: config.contracts,
    maxRecordBytes: config.maxRecordBytes ?? config.driver.capabilities.maxRecordBytes,
  };
  if (!(ctx.maxRecordBytes >= 1)) throw new InvalidConfigError('maxRecordBytes', 'must be at least 1');
  const retry = resolveRetryPolicy(config.retry ?? { attempts: 3, backoff: { initialMs: 100, maxMs: 2_000 } }, 'retry');
  const driverProducer = config.driver.createProducer();
  const sequencer = new SendSequencer();
  let connecting: Promise<void> | undefined;
  /** Set once `connecting` has resolved, so a send need not wait a turn for it. */
  let connected = false;

  const connect = (): Promise<void> => {
    connecting ??= driverProducer.connect().then(
      () => {
        connected = true;
      },
      (error: unknown) => {
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  };

  /**
   * Validates and encodes every message first (if one is invalid, none is sent), then
   * sends. Not itself async: once the records are built, nothing holds on to the
   * caller's messages while deliveries are awaited.
   */
  function publishMany(messages: readonly OutgoingMessage[]): Promise<PublishResult[]> {
    const built = new Array<BuiltRecord>(messages.length);
    try {
      for (let i = 0; i < messages.length; i++) built[i] = buildRecord(messages[i]!, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
    if (built.length === 0) return Promise.resolve([]);
    return deliver(built);
  }

  function deliver(built: readonly BuiltRecord[]): Promise<PublishResult[]> {
    if (!connected) return connect().then(() => deliver(built));
    // Connected: hand the records to the driver in this same turn, so the client's
    // threads start sending them while the caller goes on building the next batch.
    // From here on only the archive is kept (see RecordArchive).
    const records = new Array<ProducerRecord>(built.length);
    for (let i = 0; i < built.length; i++) records[i] = built[i]!.record;
    const ticket = sequencer.ticket();
    const archive = RecordArchive.of(built, ctx.codec.contentType);
    if (!sequencer.mustWait(records)) return awaitAcks(archive, ticket, send(records), undefined);
    // A key of this send waits for a retry: go out behind it.
    const held = sequencer.hold(ticket, records);
    return awaitAcks(
      archive,
      ticket,
      held.turn.then(() => send(archive.records())),
      held,
    );
  }

  /**
   * Awaits the acknowledgements of one publish, resending what is not known written
   * after a retriable failure, behind the keys it holds (see {@link SendSequencer}).
   */
  async function awaitAcks(
    archive: RecordArchive,
    ticket: number,
    sending: Promise<DeliveryReport[]>,
    held: HeldSend | undefined,
  ): Promise<PublishResult[]> {
    const ids = archive.ids;
    const results = new Array<PublishResult>(ids.length);
    /** Indexes of the records still to be acknowledged, when fewer than all. */
    let pending: number[] | undefined;
    let reported = held !== undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const reports = await sending;
          if (!reported) sequencer.reported(ticket);
          for (let i = 0; i < reports.length; i++) {
            const index = pending ? pending[i]! : i;
            const { topic, partition, offset } = reports[i]!;
            results[index] = { topic, partition, offset, id: ids[index]! };
          }
          return results;
        } catch (error) {
          const first = !reported;
          reported = true;
          const sent = pending ?? [...ids.keys()];
          pending = notWritten(error, sent, results, ids);
          if (pending.length === 0 || !retry.shouldRetry(error, attempt)) {
            if (first) sequencer.reported(ticket);
            // Every record is known written after all: the publish succeeded.
            if (pending.length === 0) return results;
            const all = archive.records();
            throw await keepFailed(
              withBatchOutcomes(asDeliveryError(error, attempt), sent, results),
              pending.map((i) => all[i]!),
            );
          }
          const all = archive.records();
          const resend = pending.map((i) => all[i]!);
          // The hold also reports a first attempt: it is in place before later retries go.
          held = held
            ? sequencer.again(held, retry.delayMs(attempt))
            : sequencer.hold(ticket, resend, retry.delayMs(attempt));
          await held.turn;
          sending = send(resend);
        }
      }
    } finally {
      if (held) sequencer.release(held);
    }
  }

  function send(records: readonly ProducerRecord[]): Promise<DeliveryReport[]> {
    try {
      return driverProducer.send(records);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores undeliverable records (those not known written), so a broker outage loses
   * nothing; returns the error to throw.
   */
  async function keepFailed(error: OrdoError, records: readonly ProducerRecord[]): Promise<OrdoError> {
    const store = config.failedMessages;
    if (!store || !(error instanceof DeliveryError)) return error;
    const failureIds: string[] = [];
    for (const record of records) {
      const { [HEADERS.id]: id, [HEADERS.type]: type, ...headers } = headersFromRaw(record.headers);
      const stored = await store.add({
        messageId: id!,
        origin: 'publish',
        topic: record.topic,
        key: record.key?.toString('utf8') ?? null,
        type: type!,
        payload: record.value,
        headers,
        occurredAt: record.timestamp ?? Date.now(),
        error: error.message,
      });
      failureIds.push(stored.failureId);
    }
    return new DeliveryError(`${error.message} (stored as failed messages ${failureIds.join(', ')})`, {
      retriable: error.retriable,
      cause: error.cause,
      failureIds,
      outcomes: error.outcomes,
    });
  }

  return {
    async publish(message) {
      const [result] = await publishMany([message]);
      return result!;
    },
    publishMany,
    connect,
    async disconnect() {
      if (!connecting) return;
      connecting = undefined;
      connected = false;
      await driverProducer.disconnect();
    },
  };
}
