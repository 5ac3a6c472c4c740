/**
 * Tracks which delivered offsets of one partition are done, and yields the offset
 * that is safe to commit: one past the end of the contiguous completed prefix (O2).
 * Work finishing out of order (key lanes) never moves the commit past an unfinished
 * offset. Gaps in offsets (compaction, transaction markers) are handled because only
 * delivered offsets are tracked.
 */
export class OffsetTracker {
  /** Delivered offsets not yet passed by the prefix, ascending, from `head` on. */
  private order: number[] = [];
  /** `done[i]`: `order[i]` is complete. A parallel array, not a set: no hashing per offset. */
  private done: boolean[] = [];
  private head = 0;
  private lastTracked = -1;
  private next: number;
  private committed: number;

  /** @param start the partition's fetch position when it was assigned */
  constructor(start = -1) {
    this.next = start;
    this.committed = start;
  }

  /** Registers a delivered offset. Returns false for an offset already tracked (a redelivery). */
  track(offset: number): boolean {
    if (offset <= this.lastTracked) return false;
    this.lastTracked = offset;
    this.order.push(offset);
    this.done.push(false);
    return true;
  }

  /** Marks an offset done and advances the committable position past the prefix. */
  complete(offset: number): void {
    const order = this.order;
    let i = this.head;
    // Most work completes in order: the head itself. Otherwise, find it (ascending).
    if (order[i] !== offset) {
      let hi = order.length - 1;
      while (i < hi) {
        const mid = (i + hi) >>> 1;
        if (order[mid]! < offset) i = mid + 1;
        else hi = mid;
      }
      if (order[i] !== offset) return;
    }
    this.done[i] = true;
    while (this.head < order.length && this.done[this.head]) this.next = order[this.head++]! + 1;
    if (this.head > 1024 && this.head * 2 > order.length) {
      this.order = order.slice(this.head);
      this.done = this.done.slice(this.head);
      this.head = 0;
    }
  }

  /** The next-to-read offset to commit, or `undefined` when nothing new is done. */
  committable(): number | undefined {
    return this.next > this.committed && this.next >= 0 ? this.next : undefined;
  }

  /** Records a successful commit of `offset`. */
  markCommitted(offset: number): void {
    if (offset > this.committed) this.committed = offset;
  }

  /** Offsets delivered but not yet done. */
  get outstanding(): number {
    return this.order.length - this.head;
  }
}
