import { isUtf8 } from 'node:buffer';
import {
  InvalidMessageError,
  InvalidStateError,
  recordSize,
  type DeliveryReport,
  type DriverProducer,
  type ProducerRecord,
  type RawHeaders,
} from '@ordo/core';
import Kafka from 'node-rdkafka';
import { producerConfig, producerTopicConfig, type ResolvedRdkafkaOptions } from './config.js';
import { withinDeadline } from './deadline.js';
import { deliveryError, driverError } from './map-error.js';

/**
 * The deliveries of one `send`: one promise for the whole batch, settled when every
 * produced record has its report (no promise or map entry per record). Its records
 * carry the sequence numbers `base` to `base + size - 1` as their opaque. Until then,
 * where each record landed is kept in typed arrays, not one object per record: a batch
 * may wait seconds for its acks, and every object alive that long is copied by each
 * young-generation garbage collection.
 */
class PendingBatch {
  readonly done: Promise<DeliveryReport[]>;
  /**
   * The records' topics as the caller gave them: one string when they share it. The
   * topic in a delivery report is a new string per report, not worth keeping.
   */
  private readonly topics: string | readonly string[];
  private readonly partitions: Int32Array;
  private readonly offsets: Float64Array;
  private remaining: number;
  private failure: unknown;
  private resolve!: (reports: DeliveryReport[]) => void;
  private reject!: (error: unknown) => void;

  constructor(
    readonly base: number,
    records: readonly ProducerRecord[],
  ) {
    const size = records.length;
    this.topics = oneTopic(records) ?? records.map((r) => r.topic);
    this.partitions = new Int32Array(size);
    this.offsets = new Float64Array(size);
    this.remaining = size;
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get size(): number {
    return this.partitions.length;
  }

  get settled(): boolean {
    return this.remaining === 0;
  }

  delivered(index: number, partition: number, offset: number): void {
    this.partitions[index] = partition;
    this.offsets[index] = offset;
    this.settleOne();
  }

  failed(error: unknown): void {
    this.failure ??= error;
    this.settleOne();
  }

  /** Records from `index` on were never produced: they will get no report. */
  abandon(index: number, error: unknown): void {
    this.failure ??= error;
    this.remaining -= this.size - index;
    if (this.remaining === 0) this.reject(this.failure);
  }

  private settleOne(): void {
    if (--this.remaining > 0) return;
    if (this.failure !== undefined) {
      this.reject(this.failure);
      return;
    }
    const { topics, size } = this;
    const reports = new Array<DeliveryReport>(size);
    for (let i = 0; i < size; i++) {
      const topic = typeof topics === 'string' ? topics : topics[i]!;
      reports[i] = { topic, partition: this.partitions[i]!, offset: this.offsets[i]! };
    }
    this.resolve(reports);
  }
}

/** The topic every record goes to, or `undefined` when they go to several. */
function oneTopic(records: readonly ProducerRecord[]): string | undefined {
  const topic = records[0]?.topic ?? '';
  for (let i = 1; i < records.length; i++) if (records[i]!.topic !== topic) return undefined;
  return topic;
}

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

/**
 * node-rdkafka passes header values through a C string: NUL ends them and non-UTF-8
 * bytes are replaced. Such values are refused here instead of arriving mangled.
 */
function toHeaders(headers: RawHeaders | undefined): Kafka.MessageHeader[] | undefined {
  if (!headers) return undefined;
  const out: Kafka.MessageHeader[] = [];
  for (const name in headers) {
    const value = headers[name]!;
    const repeated = typeof value === 'string' ? REPEATED.get(name) : undefined;
    const known = repeated?.get(value as string);
    out.push(known ?? header(name, checkedText(name, value), repeated));
  }
  return out.length === 0 ? undefined : out;
}

function checkedText(name: string, value: Buffer | string): string {
  const text = typeof value === 'string' ? value : isUtf8(value) ? value.toString('utf8') : undefined;
  if (text === undefined || text.includes('\0') || !text.isWellFormed()) {
    throw new InvalidMessageError(
      `Header "${name}" must be UTF-8 text without NUL bytes: node-rdkafka cannot carry other values intact`,
    );
  }
  return text;
}

/** Distinct values of a repeated header kept; past this, new values are not kept. */
const REPEATED_KEPT = 256;

/**
 * Headers whose values repeat from record to record (one event type for many events,
 * one content type): each distinct value gets one header object, checked once and
 * handed to node-rdkafka for every record that carries it, which only reads it.
 */
const REPEATED = new Map<string, Map<string, Kafka.MessageHeader>>([
  ['ordo-type', new Map()],
  ['content-type', new Map()],
]);

/**
 * One node-rdkafka header. Ordo's own names get literals with constant keys, created
 * from a template; other names are assigned (a computed literal `{ [name]: text }` is
 * slower still). Three headers go out with every record.
 */
function header(
  name: string,
  text: string,
  repeated: Map<string, Kafka.MessageHeader> | undefined,
): Kafka.MessageHeader {
  let h: Kafka.MessageHeader;
  switch (name) {
    case 'ordo-id':
      return { 'ordo-id': text };
    case 'ordo-type':
      h = { 'ordo-type': text };
      break;
    case 'content-type':
      h = { 'content-type': text };
      break;
    default:
      h = {};
      h[name] = text;
  }
  if (repeated && repeated.size < REPEATED_KEPT) repeated.set(text, Object.freeze(h));
  return h;
}
