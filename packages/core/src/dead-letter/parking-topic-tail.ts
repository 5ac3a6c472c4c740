import { randomUUID } from 'node:crypto';
import type { DeliveryReport, DriverProducer, ProducerRecord, RecordBatch } from '../driver/types.js';
import { readRegister, type RegisterWrite } from './kafka-parking-registers.js';

/**
 * What one {@link KafkaParkingLot} knows about how far it has read its topic, and the
 * barrier that tells it whether it has read everything written before a moment.
 *
 * A barrier is a tombstone under a key of this object, sent to the partitions in
 * question: its offsets say where those partitions end. Everything before it is read
 * once the tail has read every record there that this object did not write itself; its
 * own writes are applied when their send returns. So with no other writer a barrier
 * costs one produce request, and the tail is waited for only when another process wrote.
 * @internal
 */
export class ParkingTopicTail {
  private readonly barrierKey = Buffer.from(`B\u0000${randomUUID()}`);
  /** Per partition: the next offset the tail reads. */
  private readonly positions = new Map<number, number>();
  /** Per partition: offsets this object wrote that the tail has not read yet. */
  private readonly ownUnread = new Map<number, Set<number>>();
  private readonly waiters = new Set<{ partition: number; end: number; resolve: () => void }>();

  constructor(
    private readonly producer: DriverProducer,
    private readonly topic: string,
    private readonly onRegister: (write: RegisterWrite) => void,
  ) {}

  /** Resolves once everything written to these partitions before this call has been applied. */
  async barrier(partitions: readonly number[]): Promise<void> {
    const reports = await this.send(
      partitions.map((partition) => ({ topic: this.topic, partition, key: this.barrierKey, value: null })),
    );
    await Promise.all(reports.map((r) => this.readUpTo(r.partition, r.offset)));
  }

  /**
   * Sends to the topic, then at once (in the same turn) applies the writes (`written`)
   * and remembers their offsets, so a barrier counts them as read.
   */
  async send(records: readonly ProducerRecord[], written = () => {}): Promise<DeliveryReport[]> {
    const reports = await this.producer.send(records);
    written();
    for (const r of reports) {
      if (r.offset < (this.positions.get(r.partition) ?? 0)) continue; // already read
      let own = this.ownUnread.get(r.partition);
      if (!own) this.ownUnread.set(r.partition, (own = new Set()));
      own.add(r.offset);
    }
    return reports;
  }

  /** Applies what the tail read. */
  apply(batch: RecordBatch): void {
    for (const record of batch.records) {
      this.positions.set(record.partition, record.offset + 1);
      this.ownUnread.get(record.partition)?.delete(record.offset);
      const write = readRegister(record);
      if (write) this.onRegister(write);
    }
    for (const waiter of this.waiters) {
      if (this.hasRead(waiter.partition, waiter.end)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** Resolves once the tail has read every record before `end` that this object did not write. */
  private readUpTo(partition: number, end: number): Promise<void> {
    if (this.hasRead(partition, end)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.add({ partition, end, resolve }));
  }

  private hasRead(partition: number, end: number): boolean {
    const own = this.ownUnread.get(partition);
    for (let offset = this.positions.get(partition) ?? 0; offset < end; offset++) {
      if (!own?.has(offset)) return false;
    }
    return true;
  }
}
