import type { RawHeaders } from '../message/headers.js';
import type { ProducerRecord } from '../driver/types.js';

/** A value's bytes in the archive; `start` is -1 for a null value. */
const NULL_VALUE = -1;

/**
 * The records of one publish, kept compactly from the moment the driver has them
 * until their acknowledgements: all values in one buffer, the rest in flat arrays.
 *
 * Why: a publish must keep its records until they are acknowledged, to retry them and
 * to store them as failed messages. Kept as they are, each record is four heap objects
 * (the record, its value Buffer, its headers, its key) that live for the whole round
 * trip, and the garbage collector copies and promotes every one of them: with 100,000
 * records in flight that was 12 MB more promoted per 100,000 records than this form.
 * The original records become garbage as soon as the driver has handed them over.
 */
export class RecordArchive {
  private constructor(
    private readonly topics: readonly string[],
    private readonly keys: readonly (string | Buffer | null)[],
    private readonly headers: readonly (RawHeaders | undefined)[],
    private readonly bytes: Buffer,
    /** Start of each value in `bytes`, and its end at `i + 1`; `NULL_VALUE` for null. */
    private readonly starts: Int32Array,
    /** Explicit partition, or -1. */
    private readonly partitions: Int32Array,
    /** Explicit timestamp, or NaN. */
    private readonly timestamps: Float64Array,
  ) {}

  /** Copies `records` into an archive; the records themselves are not referenced. */
  static of(records: readonly ProducerRecord[]): RecordArchive {
    const n = records.length;
    const topics = new Array<string>(n);
    const keys = new Array<string | Buffer | null>(n);
    const headers = new Array<RawHeaders | undefined>(n);
    const starts = new Int32Array(n + 1);
    const partitions = new Int32Array(n);
    const timestamps = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += records[i]!.value?.length ?? 0;
    const bytes = Buffer.allocUnsafeSlow(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const record = records[i]!;
      topics[i] = record.topic;
      keys[i] = record.key;
      headers[i] = record.headers;
      partitions[i] = record.partition ?? -1;
      timestamps[i] = record.timestamp ?? Number.NaN;
      const value = record.value;
      if (value === null) {
        starts[i] = NULL_VALUE;
      } else {
        starts[i] = at;
        bytes.set(value, at);
        at += value.length;
      }
    }
    starts[n] = at;
    return new RecordArchive(topics, keys, headers, bytes, starts, partitions, timestamps);
  }

  get length(): number {
    return this.topics.length;
  }

  /** The records again, equal to those archived (values are views of the archive). */
  records(): ProducerRecord[] {
    const out = new Array<ProducerRecord>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.record(i);
    return out;
  }

  private record(i: number): ProducerRecord {
    const start = this.starts[i]!;
    let value: Buffer | null = null;
    if (start !== NULL_VALUE) {
      // The value ends where the next non-null value starts.
      let j = i + 1;
      while (this.starts[j] === NULL_VALUE) j++;
      value = this.bytes.subarray(start, this.starts[j]);
    }
    const partition = this.partitions[i]!;
    const timestamp = this.timestamps[i]!;
    return {
      topic: this.topics[i]!,
      key: this.keys[i]!,
      value,
      ...(this.headers[i] === undefined ? {} : { headers: this.headers[i] }),
      ...(partition === -1 ? {} : { partition }),
      ...(Number.isNaN(timestamp) ? {} : { timestamp }),
    };
  }
}
