import type { RecordBatch } from '@ordo/core';

interface GatedPartition {
  paused: boolean;
  /** Batches received while paused (or behind earlier held ones), in offset order. */
  readonly held: RecordBatch[];
}

/**
 * Keeps the seam's promise that a paused partition delivers nothing. librdkafka drops
 * what it has prefetched for a partition when it is paused, but records a consume call
 * had already taken from it still arrive: they are held here and handed over after
 * `resume()`, before anything fetched later. They are not dropped and refetched:
 * librdkafka resumes after the last record it returned, so holding them is what keeps
 * every offset delivered exactly once and in order, and it costs no second fetch. What
 * is held is bounded by one consume call per paused partition.
 */
export class DeliveryGate {
  private readonly partitions = new Map<string, GatedPartition>();
  private readonly releasing = new Set<string>();
  private releaseScheduled = false;

  /** @param deliver hands a batch of the partition `key` (its `tpKey`) to the listener */
  constructor(private readonly deliver: (key: string, batch: RecordBatch) => void) {}

  /** Hands a batch over now, or holds it if its partition is paused or still has records held. */
  offer(key: string, batch: RecordBatch): void {
    const gated = this.partitions.get(key);
    if (gated) gated.held.push(batch);
    else this.deliver(key, batch);
  }

  isPaused(key: string): boolean {
    return this.partitions.get(key)?.paused ?? false;
  }

  pause(key: string): void {
    const gated = this.partitions.get(key);
    if (gated) gated.paused = true;
    else this.partitions.set(key, { paused: true, held: [] });
  }

  /**
   * Lets the partition's records through again. Held batches are handed over on a
   * later turn of the event loop, never from inside the caller's `resume()`.
   */
  resume(key: string): void {
    const gated = this.partitions.get(key);
    if (!gated) return;
    gated.paused = false;
    if (gated.held.length === 0) {
      this.partitions.delete(key);
      return;
    }
    this.releasing.add(key);
    if (!this.releaseScheduled) {
      this.releaseScheduled = true;
      setImmediate(() => this.release());
    }
  }

  /** Forgets a partition's pause and held records (revoked, or its position moved by a seek). */
  drop(key: string): void {
    this.partitions.delete(key);
  }

  clear(): void {
    this.partitions.clear();
  }

  private release(): void {
    this.releaseScheduled = false;
    for (const key of this.releasing) {
      this.releasing.delete(key);
      let gated = this.partitions.get(key);
      // The listener may pause the partition again, or seek it, while taking a batch.
      while (gated && !gated.paused && gated.held.length > 0) {
        this.deliver(key, gated.held.shift()!);
        if (this.partitions.get(key) !== gated) gated = undefined;
      }
      if (gated && !gated.paused) this.partitions.delete(key);
    }
  }
}
