import { tpKey } from '../driver/topic-partition.js';
import type { TopicPartition } from '../driver/types.js';

/** A produced record, as the invariant checker needs it. */
export interface ProducedRef extends TopicPartition {
  readonly offset: number;
  readonly key: string | null;
}

/**
 * Checks O1 and O2 over a log of handled events, allowing the duplicates that
 * at-least-once delivery permits:
 * - O1: when an event of key K is handled, every earlier event of K in its partition
 *   has already been handled at least once;
 * - O2 (at the end): every produced event has been handled at least once.
 */
export class OrderingInvariant {
  private readonly previousOfKey = new Map<string, string | undefined>();
  private readonly lastOfKey = new Map<string, string>();
  private readonly handled = new Set<string>();
  private readonly produced: string[] = [];
  readonly violations: string[] = [];
  /** Handlings of an event already handled (at-least-once duplicates). */
  duplicates = 0;
  handledCount = 0;

  constructor(produced: Iterable<ProducedRef> = []) {
    this.add(produced);
  }

  /** Adds events produced later; their offsets must follow those already added. */
  add(produced: Iterable<ProducedRef>): void {
    const lastOfKey = this.lastOfKey;
    const sorted = [...produced].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition || a.offset - b.offset : a.topic < b.topic ? -1 : 1,
    );
    for (const ref of sorted) {
      const id = refId(ref);
      this.produced.push(id);
      if (ref.key === null) continue;
      const keyId = `${tpKey(ref)}|${ref.key}`;
      this.previousOfKey.set(id, lastOfKey.get(keyId));
      lastOfKey.set(keyId, id);
    }
  }

  /** Records that an event was handled; checks O1 at that moment. */
  observe(event: ProducedRef): void {
    const id = refId(event);
    const previous = this.previousOfKey.get(id);
    if (previous !== undefined && !this.handled.has(previous)) {
      this.violations.push(`O1: ${id} (key ${event.key}) handled before ${previous}`);
    }
    if (this.handled.has(id)) this.duplicates++;
    this.handled.add(id);
    this.handledCount++;
  }

  /** Produced events not handled yet. */
  missing(): string[] {
    return this.produced.filter((id) => !this.handled.has(id));
  }

  /** Whether every produced event has been handled at least once. */
  complete(): boolean {
    return this.handled.size >= this.produced.length && this.missing().length === 0;
  }
}

function refId(ref: TopicPartition & { offset: number }): string {
  return `${ref.topic}/${ref.partition}@${ref.offset}`;
}
