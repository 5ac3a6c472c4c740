import {
  DeliveryError,
  InvalidStateError,
  messageOf,
  recordSize,
  type DeliveryReport,
  type DriverProducer,
  type ProducerRecord,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import { producerConfig, producerTopicConfig, type ResolvedRdkafkaOptions } from './config.js';
import { withinDeadline } from './deadline.js';
import { deliveryError, driverError, isFatalForProducer } from './map-error.js';
import { PendingBatch } from './pending-batch.js';
import { PendingBatches } from './pending-batches.js';
import { toHeaders } from './to-headers.js';
import { wireKey } from './wire-key.js';

const ERR__QUEUE_FULL = -184;
const FLUSH_SLICE_MS = 1_000;
/** How long a fatally failed client may take to close in the background. */
const RETIRE_MS = 5_000;

/**
 * Producer over node-rdkafka. Delivery reports are pumped by `flush()` on a worker
 * thread while sends are outstanding, so an awaited publish resolves as soon as the
 * broker acknowledges it — no poll timer, no latency floor — and nothing polls when
 * idle.
 *
 * A fatal idempotent-producer error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) kills a
 * librdkafka client for good. The client is then retired: every batch it had fails at
 * once with a retriable `DeliveryError` (records without a report are `unknown`, those
 * not yet handed to it `not-written`), it closes in the background, and the next send
 * opens a fresh client. Sends keep their call order throughout: a send waits in
 * {@link RdkafkaProducer.queued} while an earlier one does (full queue, client opening).
 */
export class RdkafkaProducer implements DriverProducer {
  /** The live client; `undefined` before it opens, after a fatal error, after disconnect. */
  private producer: Kafka.Producer | undefined;
  /** Set from `connect()` to `disconnect()`: sends are accepted meanwhile. */
  private connecting: Promise<void> | undefined;
  private opening: Promise<void> | undefined;
  /** Records handed to the live client without a report yet. */
  private outstanding = 0;
  private flushing = false;
  /** Batches with records not yet handed to a client, in call order. */
  private queued: PendingBatch[] = [];
  /** Dead clients closing in the background; `disconnect()` waits for them. */
  private readonly retiring = new Set<Promise<unknown>>();
  private readonly batches = new PendingBatches();
  private nextSequence = 0;

  constructor(private readonly options: ResolvedRdkafkaOptions) {}

  connect(): Promise<void> {
    // Connected once, but the client died since: connecting again means a fresh one.
    if (this.connecting && !this.producer) return this.openClient().catch(rethrowAsDriverError);
    this.connecting ??= this.openClient().catch((error: unknown) => {
      this.connecting = undefined;
      rethrowAsDriverError(error);
    });
    return this.connecting;
  }

  async send(records: readonly ProducerRecord[]): Promise<DeliveryReport[]> {
    if (!this.connecting) throw new InvalidStateError('Producer is not connected: call connect() first');
    // No records get no reports: a batch waiting for none would never settle.
    if (records.length === 0) return [];
    // Validate every record before producing any, so a bad one stores nothing.
    const headers = records.map((record) => toHeaders(record.headers));
    const batch = new PendingBatch(this.nextSequence, records, headers);
    this.nextSequence += records.length;
    this.batches.add(batch);
    const producer = this.producer;
    if (producer && this.queued.length === 0) {
      // The common case: straight to the client, nothing queued.
      if (this.produceBatch(producer, batch) === 'full') this.queued.push(batch);
      this.pump();
    } else {
      this.queued.push(batch);
      this.produceQueued();
    }
    return batch.done;
  }

  async disconnect(): Promise<void> {
    // A connect in flight would set its client after this returned, and that client,
    // never disconnected, would keep the process alive.
    await this.connecting?.catch(() => undefined);
    const producer = this.producer;
    this.producer = undefined;
    this.connecting = undefined;
    this.failQueued(new DeliveryError('Producer disconnected before sending', { retriable: true }));
    if (producer) {
      await new Promise<void>((resolve) => producer.flush(this.options.adminTimeoutMs, () => resolve()));
      await withinDeadline(
        new Promise<void>((resolve) => producer.disconnect(() => resolve())),
        this.options.adminTimeoutMs,
      );
    }
    // A client still opening (a renewal after a fatal error) sees `connecting` gone and
    // closes itself in the background; wait for that too, or it keeps the process alive.
    await this.opening?.catch(() => undefined);
    await Promise.all(this.retiring);
  }

  /** Opens a client, once at a time; sends queued meanwhile go out on it, in order. */
  private openClient(): Promise<void> {
    this.opening ??= this.open().then(
      () => {
        this.opening = undefined;
      },
      (error: unknown) => {
        this.opening = undefined;
        this.failQueued(driverError(error, 'Producer connect'));
        throw error;
      },
    );
    return this.opening;
  }

  private async open(): Promise<void> {
    const producer = new Kafka.Producer(
      { ...producerConfig(this.options), dr_cb: true } as Kafka.ProducerGlobalConfig,
      producerTopicConfig(this.options) as Kafka.ProducerTopicConfig,
    );
    // Reports and errors of a retired client are not this producer's business any more.
    producer.on('delivery-report', (error, report) => {
      if (this.producer === producer) this.delivered(producer, error, report);
    });
    producer.on('event.error', (error) => {
      if (this.producer === producer && isFatalForProducer(error)) this.retire(producer, error);
    });
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: this.options.adminTimeoutMs }, (error) => (error ? reject(error) : resolve())),
    );
    if (!this.connecting) {
      // Disconnected while opening.
      this.closeInBackground(producer);
      return;
    }
    this.producer = producer;
    this.produceQueued();
  }

  /** Hands queued batches to the client in order, opening one if there is none. */
  private produceQueued(): void {
    const producer = this.producer;
    if (!producer) {
      if (this.connecting) this.openClient().catch(() => undefined);
      return;
    }
    while (this.queued.length > 0) {
      const outcome = this.produceBatch(producer, this.queued[0]!);
      if (outcome === 'full') break;
      if (outcome === 'retired') return;
      this.queued.shift();
    }
    this.pump();
  }

  /**
   * Hands the batch's remaining records to the client, in order (records for one
   * partition must enter librdkafka's queue in sequence). `full` when librdkafka's
   * queue is: the batch resumes where it stopped once deliveries drain.
   */
  private produceBatch(producer: Kafka.Producer, batch: PendingBatch): 'done' | 'full' | 'retired' {
    const records = batch.records!;
    const headers = batch.headers!;
    for (let i = batch.produced; i < records.length; i++) {
      const record = records[i]!;
      try {
        if (!this.tryProduce(producer, record, headers[i], batch.base + i)) return 'full';
      } catch (error) {
        if (isFatalForProducer(error)) {
          this.retire(producer, error);
          return 'retired';
        }
        batch.abandon(deliveryError(error, record.topic, recordSize(record), this.options.maxRecordBytes));
        return 'done';
      }
      batch.produced++;
      this.outstanding++;
    }
    batch.releaseRecords();
    return 'done';
  }

  /** Hands one record to librdkafka; false when its queue is full. Throws node-rdkafka's error. */
  private tryProduce(
    producer: Kafka.Producer,
    record: ProducerRecord,
    headers: Kafka.MessageHeader[] | undefined,
    sequence: number,
  ): boolean {
    try {
      producer.produce(
        record.topic,
        record.partition ?? null,
        record.value,
        wireKey(record.key),
        record.timestamp ?? Date.now(),
        sequence,
        headers,
      );
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === ERR__QUEUE_FULL) return false;
      throw error;
    }
  }

  private delivered(producer: Kafka.Producer, error: unknown, report: Kafka.DeliveryReport): void {
    const sequence = report.opaque as unknown;
    if (typeof sequence !== 'number') return;
    const batch = this.batches.find(sequence);
    if (!batch) return;
    this.outstanding--;
    if (error) batch.failed(sequence - batch.base, error, deliveryError(error, report.topic));
    else batch.delivered(sequence - batch.base, report.partition, report.offset);
    if (error && isFatalForProducer(error)) this.retire(producer, error);
    else if (batch.settled) this.batches.dropSettled();
  }

  /**
   * Retires a fatally failed client: every batch not settled fails now (their records
   * are resent by the caller, on a fresh client, in the order the caller chooses), the
   * client closes in the background, and the next send opens a new one.
   */
  private retire(dead: Kafka.Producer, cause: unknown): void {
    if (this.producer !== dead) return;
    this.producer = undefined;
    this.outstanding = 0;
    this.flushing = false;
    const error = new DeliveryError(
      `Producer client failed fatally (${messageOf(cause)}); its unacknowledged records may or may not ` +
        'be written, and the next send goes out on a fresh client',
      { retriable: true, cause },
    );
    this.queued = [];
    for (const batch of this.batches.takeAll()) batch.retire(error);
    this.closeInBackground(dead);
  }

  /** Fails batches no client has seen a record of yet (or the rest of a partial one). */
  private failQueued(error: unknown): void {
    const queued = this.queued;
    this.queued = [];
    for (const batch of queued) batch.abandon(error);
    this.batches.dropSettled();
  }

  private closeInBackground(producer: Kafka.Producer): void {
    const closing = withinDeadline(
      new Promise<void>((resolve) => producer.disconnect(RETIRE_MS, () => resolve())),
      RETIRE_MS * 2,
    ).finally(() => this.retiring.delete(closing));
    this.retiring.add(closing);
  }

  /** Keeps one flush running while deliveries are outstanding; it serves their reports. */
  private pump(): void {
    const producer = this.producer;
    if (this.flushing || !producer || this.outstanding === 0) return;
    this.flushing = true;
    producer.flush(FLUSH_SLICE_MS, () => {
      // A retired client's flush ends on its own; the live one has its own pump.
      if (this.producer !== producer) return;
      this.flushing = false;
      // Room in librdkafka's queue again: queued batches go first, in order.
      if (this.queued.length > 0) this.produceQueued();
      else this.pump();
    });
  }
}

function rethrowAsDriverError(error: unknown): never {
  throw driverError(error, 'Producer connect');
}
