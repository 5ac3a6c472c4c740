import {
  InvalidStateError,
  recordSize,
  type DeliveryReport,
  type DriverProducer,
  type ProducerRecord,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import { producerConfig, producerTopicConfig, type ResolvedRdkafkaOptions } from './config.js';
import { withinDeadline } from './deadline.js';
import { deliveryError, driverError } from './map-error.js';
import { PendingBatch } from './pending-batch.js';
import { toHeaders } from './to-headers.js';

const ERR__QUEUE_FULL = -184;
const FLUSH_SLICE_MS = 1_000;

/**
 * Producer over node-rdkafka. Delivery reports are pumped by `flush()` on a worker
 * thread while sends are outstanding, so an awaited publish resolves as soon as the
 * broker acknowledges it — no poll timer, no latency floor — and nothing polls when
 * idle.
 */
export class RdkafkaProducer implements DriverProducer {
  private producer: Kafka.Producer | undefined;
  private connecting: Promise<void> | undefined;
  private outstanding = 0;
  private flushing = false;
  private drained: Array<() => void> = [];
  /**
   * Batches with reports to come, in order of `base`. A record's opaque is its
   * sequence number, a small integer: no object per record for node-rdkafka to hold
   * through a persistent handle until its report.
   */
  private batches: PendingBatch[] = [];
  private batchesHead = 0;
  private nextSequence = 0;

  constructor(private readonly options: ResolvedRdkafkaOptions) {}

  connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw driverError(error, 'Producer connect');
    });
    return this.connecting;
  }

  async send(records: readonly ProducerRecord[]): Promise<DeliveryReport[]> {
    const producer = this.producer;
    if (!producer || !this.connecting) throw new InvalidStateError('Producer is not connected: call connect() first');
    // No records get no reports: a batch waiting for none would never settle.
    if (records.length === 0) return [];
    // Validate every record before producing any, so a bad one stores nothing.
    const headers = records.map((record) => toHeaders(record.headers));
    const batch = new PendingBatch(this.nextSequence, records);
    this.nextSequence += records.length;
    this.batches.push(batch);
    let i = 0;
    try {
      // In order: records for one partition must enter librdkafka's queue in sequence.
      for (; i < records.length; i++) {
        const record = records[i]!;
        while (!this.tryProduce(producer, record, headers[i], batch.base + i)) {
          // librdkafka's queue is full: let deliveries drain, then try the same record again.
          this.pump();
          await new Promise<void>((resolve) => this.drained.push(resolve));
        }
        this.outstanding++;
      }
    } catch (error) {
      batch.done.catch(() => undefined);
      batch.abandon(i, error);
      throw error;
    } finally {
      this.pump();
    }
    return batch.done;
  }

  async disconnect(): Promise<void> {
    // A connect in flight would set its client after this returned, and that client,
    // never disconnected, would keep the process alive.
    await this.connecting?.catch(() => undefined);
    const producer = this.producer;
    if (!producer) return;
    this.producer = undefined;
    this.connecting = undefined;
    await new Promise<void>((resolve) => producer.flush(this.options.adminTimeoutMs, () => resolve()));
    await withinDeadline(
      new Promise<void>((resolve) => producer.disconnect(() => resolve())),
      this.options.adminTimeoutMs,
    );
  }

  private async open(): Promise<void> {
    const producer = new Kafka.Producer(
      { ...producerConfig(this.options), dr_cb: true } as Kafka.ProducerGlobalConfig,
      producerTopicConfig(this.options) as Kafka.ProducerTopicConfig,
    );
    producer.on('delivery-report', (error, report) => this.delivered(error, report));
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: this.options.adminTimeoutMs }, (error) => (error ? reject(error) : resolve())),
    );
    this.producer = producer;
  }

  /** Hands one record to librdkafka; false when its queue is full. */
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
        record.key,
        record.timestamp ?? Date.now(),
        sequence,
        headers,
      );
      return true;
    } catch (error) {
      if ((error as { code?: number }).code === ERR__QUEUE_FULL) return false;
      throw deliveryError(error, record.topic, recordSize(record), this.options.maxRecordBytes);
    }
  }

  private delivered(error: unknown, report: Kafka.DeliveryReport): void {
    const sequence = report.opaque as unknown;
    if (typeof sequence !== 'number') return;
    const batch = this.batchOf(sequence);
    if (!batch) return;
    this.outstanding--;
    if (error) batch.failed(deliveryError(error, report.topic));
    else batch.delivered(sequence - batch.base, report.partition, report.offset);
    if (batch.settled) this.dropSettled();
  }

  /** The pending batch that holds `sequence`: a binary search over ascending bases. */
  private batchOf(sequence: number): PendingBatch | undefined {
    const batches = this.batches;
    let lo = this.batchesHead;
    let hi = batches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (batches[mid]!.base <= sequence) lo = mid;
      else hi = mid - 1;
    }
    const batch = batches[lo];
    return batch && batch.base <= sequence && sequence < batch.base + batch.size ? batch : undefined;
  }

  /** Forgets settled batches at the front of the list. */
  private dropSettled(): void {
    const batches = this.batches;
    while (this.batchesHead < batches.length && batches[this.batchesHead]!.settled) this.batchesHead++;
    if (this.batchesHead === batches.length) {
      this.batches = [];
      this.batchesHead = 0;
    } else if (this.batchesHead > 64 && this.batchesHead * 2 > batches.length) {
      this.batches = batches.slice(this.batchesHead);
      this.batchesHead = 0;
    }
  }

  /** Keeps one flush running while deliveries are outstanding; it serves their reports. */
  private pump(): void {
    const producer = this.producer;
    if (this.flushing || !producer) return;
    if (this.outstanding === 0) {
      for (const resolve of this.drained.splice(0)) resolve();
      return;
    }
    this.flushing = true;
    producer.flush(FLUSH_SLICE_MS, () => {
      this.flushing = false;
      for (const resolve of this.drained.splice(0)) resolve();
      this.pump();
    });
  }
}
