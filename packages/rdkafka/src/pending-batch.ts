import {
  DeliveryError,
  NOT_WRITTEN_OUTCOME,
  UNKNOWN_OUTCOME,
  type DeliveryReport,
  type ProducerRecord,
  type RecordOutcome,
} from '@ordo/core';
import type Kafka from 'node-rdkafka';
import { outcomeOfFailure } from './map-error.js';

/**
 * The deliveries of one `send`: one promise for the whole batch, settled when every
 * record has its report (no promise or map entry per record). Its records carry the
 * sequence numbers `base` to `base + size - 1` as their opaque. Until then, where each
 * record landed is kept in typed arrays, not one object per record: a batch may wait
 * seconds for its acks, and every object alive that long is copied by each
 * young-generation garbage collection. Failures are rare, so their outcomes are kept
 * in an array made on the first one.
 */
export class PendingBatch {
  readonly done: Promise<DeliveryReport[]>;
  /** Records handed to the client so far; the rest wait in the producer's queue. */
  produced = 0;
  /**
   * The records' topics as the caller gave them: one string when they share it. The
   * topic in a delivery report is a new string per report, not worth keeping.
   */
  private readonly topics: string | readonly string[];
  /** Partition + 1 of each acknowledged record; 0 while it has no report. */
  private readonly partitions: Int32Array;
  private readonly offsets: Float64Array;
  private outcomes: Array<RecordOutcome | undefined> | undefined;
  private remaining: number;
  private failure: unknown;
  private resolve!: (reports: DeliveryReport[]) => void;
  private reject!: (error: unknown) => void;

  constructor(
    readonly base: number,
    /** The records and their converted headers, kept only until all are produced. */
    public records: readonly ProducerRecord[] | undefined,
    public headers: ReadonlyArray<Kafka.MessageHeader[] | undefined> | undefined,
  ) {
    const size = records!.length;
    this.topics = oneTopic(records!) ?? records!.map((r) => r.topic);
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
    this.partitions[index] = partition + 1;
    this.offsets[index] = offset;
    this.settleOne();
  }

  /**
   * Record `index` has a failed report: `raw` is node-rdkafka's error (it says whether
   * the record was written), `mapped` the Ordo error the batch fails with.
   */
  failed(index: number, raw: unknown, mapped: unknown): void {
    this.failure ??= mapped;
    (this.outcomes ??= new Array(this.size))[index] = outcomeOfFailure(raw);
    this.settleOne();
  }

  /** Records from `produced` on were never handed to the client: they will get no report. */
  abandon(error: unknown): void {
    this.failure ??= error;
    this.releaseRecords();
    this.remaining -= this.size - this.produced;
    if (this.remaining === 0) this.settle();
  }

  /**
   * The client died with records of this batch in flight: fail the batch now with
   * `error`. Records without a report may have been written (`unknown`); records not
   * yet handed to it were not.
   */
  retire(error: unknown): void {
    if (this.settled) return;
    this.failure = error;
    const outcomes = (this.outcomes ??= new Array(this.size));
    for (let i = 0; i < this.size; i++) {
      if (this.partitions[i] !== 0 || outcomes[i] !== undefined) continue;
      outcomes[i] = i < this.produced ? UNKNOWN_OUTCOME : NOT_WRITTEN_OUTCOME;
    }
    this.remaining = 0;
    this.settle();
  }

  /** Drops the records once all are with the client: the caller keeps its own copy. */
  releaseRecords(): void {
    this.records = undefined;
    this.headers = undefined;
  }

  private settleOne(): void {
    if (--this.remaining === 0) this.settle();
  }

  private settle(): void {
    this.releaseRecords();
    if (this.failure !== undefined) {
      this.reject(this.withOutcomes(this.failure));
      return;
    }
    const { topics, size } = this;
    const reports = new Array<DeliveryReport>(size);
    for (let i = 0; i < size; i++) {
      const topic = typeof topics === 'string' ? topics : topics[i]!;
      reports[i] = { topic, partition: this.partitions[i]! - 1, offset: this.offsets[i]! };
    }
    this.resolve(reports);
  }

  /** The batch's failure with what is known of each record (see `DeliveryError.outcomes`). */
  private withOutcomes(failure: unknown): unknown {
    if (!(failure instanceof DeliveryError)) return failure;
    const { topics, size } = this;
    const known = this.outcomes;
    const outcomes = new Array<RecordOutcome>(size);
    for (let i = 0; i < size; i++) {
      const partition = this.partitions[i]!;
      if (partition !== 0) {
        const topic = typeof topics === 'string' ? topics : topics[i]!;
        outcomes[i] = { state: 'written', topic, partition: partition - 1, offset: this.offsets[i]! };
      } else {
        // No report and no recorded failure: never produced (abandoned).
        outcomes[i] = known?.[i] ?? (i < this.produced ? UNKNOWN_OUTCOME : NOT_WRITTEN_OUTCOME);
      }
    }
    return new DeliveryError(failure.message, { retriable: failure.retriable, cause: failure.cause, outcomes });
  }
}

/** The topic every record goes to, or `undefined` when they go to several. */
function oneTopic(records: readonly ProducerRecord[]): string | undefined {
  const topic = records[0]?.topic ?? '';
  for (let i = 1; i < records.length; i++) if (records[i]!.topic !== topic) return undefined;
  return topic;
}
