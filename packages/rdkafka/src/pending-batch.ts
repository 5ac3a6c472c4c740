import type { DeliveryReport, ProducerRecord } from '@ordo/core';

/**
 * The deliveries of one `send`: one promise for the whole batch, settled when every
 * produced record has its report (no promise or map entry per record). Its records
 * carry the sequence numbers `base` to `base + size - 1` as their opaque. Until then,
 * where each record landed is kept in typed arrays, not one object per record: a batch
 * may wait seconds for its acks, and every object alive that long is copied by each
 * young-generation garbage collection.
 */
export class PendingBatch {
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
