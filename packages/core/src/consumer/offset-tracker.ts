/**
 * Tracks which delivered offsets of one partition are done, and yields the offset
 * that is safe to commit: one past the end of the contiguous completed prefix (O2).
 * Work finishing out of order (key lanes) never moves the commit past an unfinished
 * offset. Gaps in offsets (compaction, transaction markers) are handled because only
 * delivered offsets are tracked.
 */
export class OffsetTracker {
  private order: number[] = [];
  private head = 0;
  private readonly done = new Set<number>();
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
    return true;
  }

  /** Marks an offset done and advances the committable position past the prefix. */
  complete(offset: number): void {
    this.done.add(offset);
    while (this.head < this.order.length && this.done.has(this.order[this.head]!)) {
      const o = this.order[this.head++]!;
      this.done.delete(o);
      this.next = o + 1;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
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
