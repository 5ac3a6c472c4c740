import type { ConsumedRecord } from '../../driver/types.js';

/**
 * The records of one partition: an append-only array with a moving start, so that
 * retention can drop old records while offsets stay absolute.
 */
export class PartitionLog {
  private records: ConsumedRecord[] = [];
  /** Offset of `records[0]`: the low watermark. */
  private base = 0;

  constructor(private readonly retention: number) {}

  /** First readable offset. */
  get low(): number {
    return this.base;
  }

  /** Offset the next record will get. */
  get high(): number {
    return this.base + this.records.length;
  }

  append(record: Omit<ConsumedRecord, 'offset'>): number {
    const offset = this.high;
    this.records.push({ ...record, offset });
    if (this.records.length > this.retention) {
      const drop = this.records.length - this.retention;
      this.records.splice(0, drop);
      this.base += drop;
    }
    return offset;
  }

  /** Up to `max` records starting at `from` (which must be within [low, high]). */
  read(from: number, max: number): ConsumedRecord[] {
    const start = from - this.base;
    return this.records.slice(start, start + max);
  }
}
