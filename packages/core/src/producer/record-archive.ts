import type { ProducerRecord } from '../driver/types.js';
import { recordHeaders, type BuiltRecord } from './build-record.js';

/**
 * Values up to this size are copied into the archive's buffer; larger ones are kept
 * as they are, because for them a copy costs more than the object it saves.
 */
const PACKED_UP_TO = 1024;

/**
 * The records of one publish, kept compactly from the moment the driver has them
 * until their acknowledgements: small values in one buffer, the rest in flat arrays,
 * and the headers as what they were made of (id, type, the caller's own headers).
 *
 * Why: a publish must keep its records until they are acknowledged, to retry them and
 * to store them as failed messages. Kept as they are, each record is several heap
 * objects (the record, its value Buffer, its headers) that live for the whole round
 * trip, and the garbage collector copies and promotes every one of them. Here what
 * stays on the heap per record is its id (which the publish returns anyway), its key
 * and a few array slots; the original records become garbage as soon as the driver
 * has handed them over.
 */
export class RecordArchive {
  private constructor(
    /** The one topic of every record, or each record's topic. */
    private readonly topics: string | readonly string[],
    /** The ids the records carry, in order: what the publish returns. */
    readonly ids: readonly string[],
    private readonly types: readonly string[],
    private readonly contentType: string,
    /** The caller's own headers of each record; `undefined` when no record has any. */
    private readonly extraHeaders: readonly (Readonly<Record<string, string>> | undefined)[] | undefined,
    private readonly keys: readonly (string | Buffer | null)[],
    /** A value kept as it is (large, or null); `undefined` when no record needs one. */
    private readonly kept: readonly (Buffer | null | undefined)[] | undefined,
    private readonly bytes: Buffer,
    private readonly starts: Int32Array,
    private readonly lengths: Int32Array,
    /** Explicit partition, or -1. */
    private readonly partitions: Int32Array,
    /** Explicit timestamp, or NaN. */
    private readonly timestamps: Float64Array,
  ) {}

  /**
   * Copies what `built` records are made of into an archive; the records themselves
   * are not referenced.
   * @param contentType the codec's content type, which every record's headers carry
   */
  static of(built: readonly BuiltRecord[], contentType: string): RecordArchive {
    const n = built.length;
    const ids = new Array<string>(n);
    const types = new Array<string>(n);
    const keys = new Array<string | Buffer | null>(n);
    const starts = new Int32Array(n);
    const lengths = new Int32Array(n);
    const partitions = new Int32Array(n);
    const timestamps = new Float64Array(n);
    let topics: string | string[] = n > 0 ? built[0]!.record.topic : '';
    let extraHeaders: (Readonly<Record<string, string>> | undefined)[] | undefined;
    let kept: (Buffer | null | undefined)[] | undefined;
    let packed = 0;
    for (let i = 0; i < n; i++) {
      const length = built[i]!.record.value?.length ?? Infinity;
      if (length <= PACKED_UP_TO) packed += length;
    }
    const bytes = Buffer.allocUnsafeSlow(packed);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const { id, type, extraHeaders: extra, record } = built[i]!;
      ids[i] = id;
      types[i] = type;
      keys[i] = record.key;
      if (typeof topics === 'string' && record.topic !== topics) topics = new Array<string>(n).fill(topics, 0, i);
      if (typeof topics !== 'string') topics[i] = record.topic;
      if (extra !== undefined) (extraHeaders ??= new Array(n))[i] = extra;
      partitions[i] = record.partition ?? -1;
      timestamps[i] = record.timestamp ?? Number.NaN;
      const value = record.value;
      if (value === null || value.length > PACKED_UP_TO) {
        (kept ??= new Array(n))[i] = value;
      } else {
        starts[i] = at;
        lengths[i] = value.length;
        bytes.set(value, at);
        at += value.length;
      }
    }
    return new RecordArchive(
      topics,
      ids,
      types,
      contentType,
      extraHeaders,
      keys,
      kept,
      bytes,
      starts,
      lengths,
      partitions,
      timestamps,
    );
  }

  get length(): number {
    return this.ids.length;
  }

  /** The records again, equal to those archived (packed values are views of the archive). */
  records(): ProducerRecord[] {
    const out = new Array<ProducerRecord>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.record(i);
    return out;
  }

  private record(i: number): ProducerRecord {
    const kept = this.kept?.[i];
    const start = this.starts[i]!;
    const value = kept !== undefined ? kept : this.bytes.subarray(start, start + this.lengths[i]!);
    const partition = this.partitions[i]!;
    const timestamp = this.timestamps[i]!;
    return {
      topic: typeof this.topics === 'string' ? this.topics : this.topics[i]!,
      key: this.keys[i]!,
      value,
      headers: recordHeaders(this.ids[i]!, this.types[i]!, this.contentType, this.extraHeaders?.[i]),
      ...(partition === -1 ? {} : { partition }),
      ...(Number.isNaN(timestamp) ? {} : { timestamp }),
    };
  }
}
