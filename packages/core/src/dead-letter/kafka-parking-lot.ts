import { randomUUID } from 'node:crypto';
import type { DriverConsumer, DriverProducer, KafkaDriver, RecordBatch } from '../driver/types.js';
import { InvalidConfigError } from '../errors.js';
import type { ParkedKey, ParkingLot } from './parking-lot.js';

/** Options of {@link KafkaParkingLot}. */
export interface KafkaParkingLotOptions {
  readonly driver: KafkaDriver;
  /** The compacted topic that holds the registers. Create it with `cleanup.policy=compact`. @default 'ordo.parking' */
  readonly topic?: string;
  /** Partitions of that topic when Ordo creates it. @default 12 */
  readonly partitions?: number;
}

/** Single-writer max-registers per parked key. */
interface KeyState {
  topic: string;
  key: string;
  partition: number;
  /** Newest dead-letter offset: written only by the source partition's owner. */
  parkedThrough: number;
  /** Handled through: written only by the dead-letter consumer. */
  handledThrough: number;
  /** Discarded through: written only by operators. */
  discardedThrough: number;
  parkedAt: number;
}

type Register = 'P' | 'H' | 'D';

/**
 * Parked keys kept in a compacted Kafka topic, for services with no database.
 *
 * Each key has three registers, each with one kind of writer and each only ever
 * raised: the newest dead-letter offset (the source partition's owner), handled-through
 * (the dead-letter consumer) and discarded-through (operators). Because they live under
 * different Kafka keys and only grow, compaction (which keeps the last record per key)
 * and concurrent writers never lose a park. A key is parked while its newest dead
 * letter is past both other registers, or while this process is writing one.
 *
 * Every process tails the whole topic; decisions off the hot path (`check`, `load`,
 * `list`) first wait until the tail has reached the topic's current end.
 *
 * Resolved keys are not deleted: tombstones from two kinds of writer could race a new
 * park. Each key that was ever parked keeps one small record per register, which
 * compaction keeps at one each.
 */
export class KafkaParkingLot implements ParkingLot {
  private readonly topic: string;
  private readonly partitions: number;
  private readonly states = new Map<string, KeyState>();
  private readonly pending = new Map<string, number>();
  private readonly partitionOf = new Map<string, number>();
  private readonly positions = new Map<number, number>();
  private readonly producer: DriverProducer;
  private reader: DriverConsumer | undefined;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: KafkaParkingLotOptions) {
    this.topic = options.topic ?? 'ordo.parking';
    this.partitions = options.partitions ?? 12;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new InvalidConfigError('parkingLot.partitions', 'must be a positive integer');
    }
    this.producer = options.driver.createProducer();
  }

  async load(): Promise<void> {
    await this.caughtUp();
  }

  isParked(topic: string, key: string): boolean {
    const k = id(topic, key);
    if ((this.pending.get(k) ?? 0) > 0) return true;
    const s = this.states.get(k);
    return s !== undefined && s.parkedThrough > Math.max(s.handledThrough, s.discardedThrough);
  }

  async check(topic: string, key: string): Promise<boolean> {
    await this.caughtUp();
    return this.isParked(topic, key);
  }

  async beginPark(topic: string, partition: number, key: string): Promise<void> {
    await this.start();
    const k = id(topic, key);
    this.pending.set(k, (this.pending.get(k) ?? 0) + 1);
    this.partitionOf.set(k, partition);
  }

  async endPark(topic: string, key: string, deadLetterOffset: number): Promise<void> {
    const k = id(topic, key);
    try {
      if (deadLetterOffset >= 0) {
        await this.write('P', topic, key, deadLetterOffset, this.partitionOf.get(k) ?? -1);
      }
    } finally {
      const left = (this.pending.get(k) ?? 1) - 1;
      if (left > 0) this.pending.set(k, left);
      else this.pending.delete(k);
    }
  }

  async handled(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    return this.raise('H', topic, key, deadLetterOffset);
  }

  async discarded(topic: string, key: string, deadLetterOffset: number): Promise<boolean> {
    return this.raise('D', topic, key, deadLetterOffset);
  }

  /** Raises the handled or discarded register; true when that resolves a parked key. */
  private async raise(register: 'H' | 'D', topic: string, key: string, offset: number): Promise<boolean> {
    await this.caughtUp();
    const wasParked = this.isParked(topic, key) || this.states.has(id(topic, key));
    await this.write(register, topic, key, offset);
    return wasParked && !this.isParked(topic, key);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    await this.caughtUp();
    const parked: ParkedKey[] = [];
    for (const s of this.states.values()) {
      if ((topic !== undefined && s.topic !== topic) || !this.isParked(s.topic, s.key)) continue;
      parked.push({
        topic: s.topic,
        partition: s.partition >= 0 ? s.partition : (this.partitionOf.get(id(s.topic, s.key)) ?? -1),
        key: s.key,
        lastDeadLetterOffset: s.parkedThrough,
        handledThrough: Math.max(s.handledThrough, s.discardedThrough),
        parkedAt: s.parkedAt,
      });
    }
    // Keys this process is parking right now, before their first register is written.
    for (const k of this.pending.keys()) {
      if (this.states.has(k)) continue;
      const [t, key] = k.split('\u0000') as [string, string];
      if (topic !== undefined && t !== topic) continue;
      const partition = this.partitionOf.get(k) ?? -1;
      parked.push({ topic: t, partition, key, lastDeadLetterOffset: -1, handledThrough: -1, parkedAt: Date.now() });
    }
    return parked;
  }

  /** Stops tailing the topic. */
  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    this.starting = undefined;
    await reader?.disconnect();
    await this.producer.disconnect();
  }

  private start(): Promise<void> {
    this.starting ??= (async () => {
      const admin = this.options.driver.admin();
      await admin.ensureTopics([{ name: this.topic, partitions: this.partitions }]);
      await this.producer.connect();
      const reader = this.options.driver.createConsumer({
        groupId: `ordo-parking-reader-${randomUUID()}`,
        autoOffsetReset: 'earliest',
      });
      await reader.subscribe([this.topic], {
        onAssign: () => undefined,
        onRevoke: async () => undefined,
        onLost: () => undefined,
        onError: () => undefined,
        onRecords: (batch) => this.apply(batch),
      });
      this.reader = reader;
    })().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** Waits until the tail has read everything written to the topic before this call. */
  private async caughtUp(): Promise<void> {
    await this.start();
    const admin = this.options.driver.admin();
    const [spec] = await admin.describeTopics([this.topic]);
    const ends = await Promise.all(
      Array.from({ length: spec!.partitions }, (_, p) => admin.watermarks(this.topic, p).then((w) => [p, w] as const)),
    );
    for (;;) {
      const behind = ends.some(([p, w]) => w.high > w.low && (this.positions.get(p) ?? w.low) < w.high);
      if (!behind) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private async write(register: Register, topic: string, key: string, offset: number, partition = -1): Promise<void> {
    await this.start();
    const value = { topic, key, offset, partition, at: Date.now() };
    await this.producer.send([
      {
        topic: this.topic,
        key: Buffer.from(`${register}\u0000${topic}\u0000${key}`),
        value: Buffer.from(JSON.stringify(value)),
      },
    ]);
    this.merge(register, value);
  }

  private apply(batch: RecordBatch): void {
    for (const record of batch.records) {
      this.positions.set(record.partition, record.offset + 1);
      if (!record.key || !record.value) continue;
      const register = record.key.toString('utf8', 0, 1) as Register;
      try {
        this.merge(register, JSON.parse(record.value.toString('utf8')) as Parameters<typeof this.merge>[1]);
      } catch {
        // Not one of ours: ignore, as a compacted topic may hold other records.
      }
    }
  }

  /** Raises a register; registers never go down, so replays and races are harmless. */
  private merge(
    register: Register,
    v: { topic: string; key: string; offset: number; partition: number; at: number },
  ): void {
    const k = id(v.topic, v.key);
    let s = this.states.get(k);
    if (!s) {
      s = {
        topic: v.topic,
        key: v.key,
        partition: -1,
        parkedThrough: -1,
        handledThrough: -1,
        discardedThrough: -1,
        parkedAt: v.at,
      };
      this.states.set(k, s);
    }
    if (register === 'P') {
      if (v.offset > s.parkedThrough) s.parkedAt = v.at;
      s.parkedThrough = Math.max(s.parkedThrough, v.offset);
      if (v.partition >= 0) s.partition = v.partition;
    } else if (register === 'H') s.handledThrough = Math.max(s.handledThrough, v.offset);
    else if (register === 'D') s.discardedThrough = Math.max(s.discardedThrough, v.offset);
  }
}

function id(topic: string, key: string): string {
  return `${topic}\u0000${key}`;
}
