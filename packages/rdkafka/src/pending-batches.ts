import type { PendingBatch } from './pending-batch.js';

/**
 * The batches of one client with reports to come, in order of `base`, found by a
 * record's sequence number (its opaque): a small integer, so node-rdkafka holds no
 * object per record through a persistent handle until its report.
 */
export class PendingBatches {
  private batches: PendingBatch[] = [];
  private head = 0;

  add(batch: PendingBatch): void {
    this.batches.push(batch);
  }

  /** The pending batch that holds `sequence`: a binary search over ascending bases. */
  find(sequence: number): PendingBatch | undefined {
    const batches = this.batches;
    let lo = this.head;
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
  dropSettled(): void {
    const batches = this.batches;
    while (this.head < batches.length && batches[this.head]!.settled) this.head++;
    if (this.head === batches.length) {
      this.batches = [];
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > batches.length) {
      this.batches = batches.slice(this.head);
      this.head = 0;
    }
  }

  /** Every batch not yet forgotten, which this list then forgets. */
  takeAll(): PendingBatch[] {
    const taken = this.batches.slice(this.head);
    this.batches = [];
    this.head = 0;
    return taken;
  }
}
