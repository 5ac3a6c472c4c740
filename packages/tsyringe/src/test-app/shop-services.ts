import type { ConsumedEvent } from '@ordo/core';

/** One handled event, as the shop saw it. */
export interface JournalEntry {
  readonly handler: string;
  /** The topic read: the source topic, or its dead-letter topic. */
  readonly topic: string;
  readonly key: string | null;
  readonly type: string;
  readonly value: unknown;
}

/** What the shop's handlers did, in order: what tests assert on. */
export class Journal {
  readonly entries: JournalEntry[] = [];

  record(handler: string, event: ConsumedEvent): void {
    const { topic, key, type, value } = event;
    this.entries.push({ handler, topic, key, type, value });
  }

  /** Entries of one key, in handling order. */
  of(key: string): JournalEntry[] {
    return this.entries.filter((e) => e.key === key);
  }
}

/** The shop's users and their emails. */
export class UserDirectory {
  readonly users = new Map<string, { name: string; email: string }>();
}

/** Order totals per user. */
export class OrderBook {
  readonly totals = new Map<string, number>();

  add(userId: string, total: number): void {
    this.totals.set(userId, (this.totals.get(userId) ?? 0) + total);
  }
}
