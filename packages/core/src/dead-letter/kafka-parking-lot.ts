import { randomUUID } from 'node:crypto';
import type { DriverConsumer, DriverProducer, KafkaDriver } from '../driver/types.js';
import { InvalidConfigError } from '../errors.js';
import { partitionFor } from '../partition/partitioner.js';
import { registerKey, registerValue, type Register, type RegisterWrite } from './kafka-parking-registers.js';
import { keyText, parkedId } from './parked-key-text.js';
import { ParkingTopicTail } from './parking-topic-tail.js';
import type { KeyRepair, KeyRepairRequest, ParkedKey, ParkingLot } from './parking-lot.js';

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
  key: Buffer;
  partition: number;
  /** Newest dead-letter offset: written only by the source partition's owner. */
  parkedThrough: number;
  /** Handled through: written only by the dead-letter consumer. */
  handledThrough: number;
  /** Discarded through: written only by operators. */
  discardedThrough: number;
  parkedAt: number;
}

/** A dead-letter write this process has begun and not yet recorded. */
interface PendingPark {
  topic: string;
  key: Buffer;
  partition: number;
  count: number;
}

const REGISTERS: readonly Register[] = ['P', 'H', 'D'];

/**
 * Parked keys kept in a compacted Kafka topic, for services with no database.
 *
 * Each key has three registers, each with one kind of writer and each only ever
 * raised: the newest dead-letter offset (the source partition's owner), handled-through
 * (the dead-letter consumer) and discarded-through (operators). Because they live under
 * different Kafka keys and only grow, compaction (which keeps the last record per key)
 * and concurrent writers never lose a park. A key is parked while its newest dead
 * letter is past both other registers, or while this process is writing one; a write
 * in flight lives only in this process, so a crash leaves nothing behind.
 *
 * Every process tails the whole topic. Decisions off the hot path (`check`, `load`,
 * `list`) first make sure the tail has read everything written before them, with a
 * barrier (see {@link ParkingTopicTail}) on the partitions that hold the key's registers
 * (on all of them for `load` and `list`). A parked key's follower therefore costs one
 * produce request on the clients this object keeps, not a metadata and watermark query
 * per partition with fresh clients.
 *
 * Resolved keys are not deleted: tombstones from two kinds of writer could race a new
 * park. Each key that was ever parked keeps one small record per register, which
 * compaction keeps at one each.
 */
export class KafkaParkingLot implements ParkingLot {
  private readonly topic: string;
  private readonly partitions: number;
  private readonly states = new Map<string, KeyState>();
  private readonly pending = new Map<string, PendingPark>();
  private readonly producer: DriverProducer;
  private readonly tail: ParkingTopicTail;
  private reader: DriverConsumer | undefined;
  private partitionCount = 0;
  private starting: Promise<void> | undefined;

  constructor(private readonly options: KafkaParkingLotOptions) {
    this.topic = options.topic ?? 'ordo.parking';
    this.partitions = options.partitions ?? 12;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new InvalidConfigError('parkingLot.partitions', 'must be a positive integer');
    }
    this.producer = options.driver.createProducer();
    this.tail = new ParkingTopicTail(this.producer, this.topic, (write) => this.merge(write));
  }

  async load(): Promise<void> {
    await this.caughtUp();
  }

  isParked(topic: string, key: Buffer): boolean {
    const k = parkedId(topic, key);
    if (this.pending.has(k)) return true;
    const s = this.states.get(k);
    return s !== undefined && s.parkedThrough > Math.max(s.handledThrough, s.discardedThrough);
  }

  async check(topic: string, key: Buffer): Promise<boolean> {
    await this.caughtUp(topic, key);
    return this.isParked(topic, key);
  }

  /**
   * Compared with the handled and discarded registers, which outlive the key's
   * resolution: a park is recorded only at `endPark`, so a key another process is
   * writing a dead letter for looks resolved here until then.
   */
  async settled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    await this.caughtUp(topic, key);
    const s = this.states.get(parkedId(topic, key));
    return s !== undefined && deadLetterOffset <= Math.max(s.handledThrough, s.discardedThrough);
  }

  async beginPark(topic: string, partition: number, key: Buffer): Promise<void> {
    await this.start();
    const k = parkedId(topic, key);
    const entry = this.pending.get(k);
    if (entry) entry.count++;
    else this.pending.set(k, { topic, key: Buffer.from(key), partition, count: 1 });
  }

  async endPark(topic: string, key: Buffer, deadLetterOffset: number): Promise<void> {
    const k = parkedId(topic, key);
    const entry = this.pending.get(k);
    try {
      if (deadLetterOffset >= 0) await this.write('P', topic, key, deadLetterOffset, entry?.partition ?? -1);
    } finally {
      if (entry && --entry.count <= 0) this.pending.delete(k);
    }
  }

  handled(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    return this.raise('H', topic, key, deadLetterOffset);
  }

  discarded(topic: string, key: Buffer, deadLetterOffset: number): Promise<boolean> {
    return this.raise('D', topic, key, deadLetterOffset);
  }

  /** Raises the handled or discarded register; true when that resolves a parked key. */
  private async raise(register: 'H' | 'D', topic: string, key: Buffer, offset: number): Promise<boolean> {
    await this.caughtUp(topic, key);
    const wasParked = this.isParked(topic, key) || this.states.has(parkedId(topic, key));
    await this.write(register, topic, key, offset);
    return wasParked && !this.isParked(topic, key);
  }

  async list(topic?: string): Promise<ParkedKey[]> {
    await this.caughtUp();
    const parked: ParkedKey[] = [];
    for (const [k, s] of this.states) {
      if ((topic !== undefined && s.topic !== topic) || !this.isParked(s.topic, s.key)) continue;
      parked.push({
        topic: s.topic,
        partition: s.partition >= 0 ? s.partition : (this.pending.get(k)?.partition ?? -1),
        key: keyText(s.key),
        keyBytes: s.key,
        lastDeadLetterOffset: s.parkedThrough,
        handledThrough: Math.max(s.handledThrough, s.discardedThrough),
        parkedAt: s.parkedAt,
        pendingWrites: this.pending.get(k)?.count ?? 0,
      });
    }
    // Keys this process is parking right now, before their first register is written.
    for (const [k, p] of this.pending) {
      if (this.states.has(k) || (topic !== undefined && p.topic !== topic)) continue;
      parked.push({
        topic: p.topic,
        partition: p.partition,
        key: keyText(p.key),
        keyBytes: p.key,
        lastDeadLetterOffset: -1,
        handledThrough: -1,
        parkedAt: Date.now(),
        pendingWrites: p.count,
      });
    }
    return parked;
  }

  /**
   * Nothing here can be left behind by a crash (pending writes live in the writing
   * process only), so a repair only reports; registers are raised by their own writers.
   */
  async repair(topic: string, key: Buffer, request: KeyRepairRequest): Promise<KeyRepair | undefined> {
    if (!(await this.check(topic, key))) return undefined;
    const s = this.states.get(parkedId(topic, key));
    const from = s?.parkedThrough ?? -1;
    return {
      clearedPending: 0,
      lastDeadLetterOffset: { from, to: Math.max(from, request.newestDeadLetter) },
      resolved: false,
    };
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
      const [spec] = await admin.describeTopics([this.topic]);
      this.partitionCount = spec!.partitions;
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
        onRecords: (batch) => this.tail.apply(batch),
      });
      this.reader = reader;
    })().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /**
   * Waits until the tail has read everything written before this call: to the
   * partitions of one key's registers, or to every partition.
   */
  private async caughtUp(topic?: string, key?: Buffer): Promise<void> {
    await this.start();
    const partitions =
      topic === undefined || key === undefined
        ? Array.from({ length: this.partitionCount }, (_, p) => p)
        : [...new Set(REGISTERS.map((r) => this.partitionOf(registerKey(r, topic, key))))];
    await this.tail.barrier(partitions);
  }

  private partitionOf(recordKey: Buffer): number {
    return partitionFor(recordKey, this.partitionCount);
  }

  private async write(register: Register, topic: string, key: Buffer, offset: number, partition = -1): Promise<void> {
    await this.start();
    const write: RegisterWrite = { register, topic, key, offset, partition, at: Date.now() };
    const recordKey = registerKey(register, topic, key);
    await this.tail.send(
      [{ topic: this.topic, partition: this.partitionOf(recordKey), key: recordKey, value: registerValue(write) }],
      () => this.merge(write),
    );
  }

  /** Raises a register; registers never go down, so replays and races are harmless. */
  private merge(v: RegisterWrite): void {
    const k = parkedId(v.topic, v.key);
    let s = this.states.get(k);
    if (!s) {
      s = {
        topic: v.topic,
        key: Buffer.from(v.key),
        partition: -1,
        parkedThrough: -1,
        handledThrough: -1,
        discardedThrough: -1,
        parkedAt: v.at,
      };
      this.states.set(k, s);
    }
    if (v.register === 'P') {
      if (v.offset > s.parkedThrough) s.parkedAt = v.at;
      s.parkedThrough = Math.max(s.parkedThrough, v.offset);
      if (v.partition >= 0) s.partition = v.partition;
    } else if (v.register === 'H') s.handledThrough = Math.max(s.handledThrough, v.offset);
    else s.discardedThrough = Math.max(s.discardedThrough, v.offset);
  }
}
