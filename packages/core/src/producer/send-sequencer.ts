import type { ProducerRecord } from '../driver/types.js';

/** A send waiting for its turn behind the keys it shares with earlier, failed sends. */
export interface HeldSend {
  /** Resolves when the send may go out (again). */
  readonly turn: Promise<void>;
}

interface Entry extends HeldSend {
  readonly ticket: number;
  readonly keys: readonly string[];
  /** `waiting` for its turn, or `sending` (its keys stay held until it settles). */
  state: 'waiting' | 'sending';
  readyAt: number;
  grant: () => void;
}

/**
 * Keeps per-key publish order across retries (O1 starts at the producer).
 *
 * Every send gets a ticket in call order. When a send fails and is to be retried, its
 * records' keys (topic + key bytes) become held: the retry waits in ticket order, and a
 * later send that contains a held key waits behind it and goes out after it has
 * settled. Sends of keys not held go straight to the driver: while nothing is held,
 * the only cost is one counter per send. Keyless records are never held (Kafka keeps
 * no order between them beyond a partition they do not choose).
 *
 * A held send goes out only once every earlier ticket has been reported (settled, or
 * known here as failed): an earlier send of the same key that fails later than this
 * one is then retried first, whatever order the driver reports in. What this cannot
 * order is a send already stored by the broker: a later send of K that the driver
 * acknowledged before the earlier send of K failed has landed first (see the drivers'
 * documentation for when that can happen).
 */
export class SendSequencer {
  private nextTicket = 0;
  /** Every ticket below this one has been reported. */
  private lowUnreported = 0;
  private readonly reportedAhead = new Set<number>();
  /** Held sends in ticket order, waiting or in flight. */
  private readonly entries: Entry[] = [];
  /** How many entries hold each key. */
  private readonly held = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  /** The ticket of a send about to go out. */
  ticket(): number {
    return this.nextTicket++;
  }

  /** Whether a new send of these records has to wait behind a held key. */
  mustWait(records: readonly ProducerRecord[]): boolean {
    if (this.held.size === 0) return false;
    for (const record of records) {
      const key = holdKeyOf(record);
      if (key !== undefined && this.held.has(key)) return true;
    }
    return false;
  }

  /** The first attempt of `ticket` has settled (or is known here): later retries may go. */
  reported(ticket: number): void {
    if (ticket !== this.lowUnreported) {
      this.reportedAhead.add(ticket);
      return;
    }
    this.lowUnreported++;
    while (this.reportedAhead.delete(this.lowUnreported)) this.lowUnreported++;
    if (this.entries.length > 0) this.dispatch();
  }

  /**
   * Holds the keys of `records` for the send of `ticket` and queues it in ticket
   * order; it goes out no earlier than `delayMs` from now.
   */
  hold(ticket: number, records: readonly ProducerRecord[], delayMs = 0): HeldSend {
    const keys = [...new Set(records.map(holdKeyOf).filter((k): k is string => k !== undefined))];
    let grant!: () => void;
    const turn = new Promise<void>((resolve) => (grant = resolve));
    const entry: Entry = { ticket, keys, state: 'waiting', readyAt: Date.now() + delayMs, turn, grant };
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.ticket > ticket) at--;
    this.entries.splice(at, 0, entry);
    for (const key of keys) this.held.set(key, (this.held.get(key) ?? 0) + 1);
    this.dispatch();
    return entry;
  }

  /** The held send failed again: it waits `delayMs`, keeping its place and its keys. */
  again(send: HeldSend, delayMs: number): HeldSend {
    const entry = send as Entry;
    let grant!: () => void;
    const turn = new Promise<void>((resolve) => (grant = resolve));
    const next: Entry = { ...entry, state: 'waiting', readyAt: Date.now() + delayMs, turn, grant };
    this.entries[this.entries.indexOf(entry)] = next;
    this.dispatch();
    return next;
  }

  /** The held send has settled for good (delivered, or given up): its keys are free. */
  release(send: HeldSend): void {
    const entry = send as Entry;
    const at = this.entries.indexOf(entry);
    if (at < 0) return;
    this.entries.splice(at, 1);
    for (const key of entry.keys) {
      const count = this.held.get(key)! - 1;
      if (count === 0) this.held.delete(key);
      else this.held.set(key, count);
    }
    this.dispatch();
  }

  /** Lets go every waiting send whose keys no earlier entry holds, once it is due. */
  private dispatch(): void {
    const now = Date.now();
    const claimed = new Set<string>();
    let nextDue = Infinity;
    for (const entry of this.entries) {
      if (entry.state === 'waiting' && entry.ticket <= this.lowUnreported && entry.keys.every((k) => !claimed.has(k))) {
        if (entry.readyAt <= now) {
          entry.state = 'sending';
          entry.grant();
        } else nextDue = Math.min(nextDue, entry.readyAt);
      }
      for (const key of entry.keys) claimed.add(key);
    }
    this.wakeAt(nextDue);
  }

  private wakeAt(at: number): void {
    if (at === Infinity || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timerAt = Infinity;
        this.timer = undefined;
        this.dispatch();
      },
      Math.max(0, at - Date.now()),
    );
  }
}

/** What orders a record: its topic and key bytes; `undefined` for a keyless record. */
export function holdKeyOf(record: ProducerRecord): string | undefined {
  const key = record.key;
  if (key === null) return undefined;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  // Topic names cannot contain NUL, so the separator keeps topic and key apart.
  return `${record.topic}\u0000${bytes.toString('latin1')}`;
}
