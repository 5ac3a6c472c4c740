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
  /**
   * Tickets reported ahead of `lowUnreported`, one byte per ticket in a ring (a power of
   * two long): reports come out of order across partitions, and this keeps that cheap.
   */
  private reportedAhead = new Uint8Array(1024);
  /** Held sends in ticket order, waiting or in flight. */
  private readonly entries: Entry[] = [];
  /** How many entries hold each key. */
  private readonly held = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;

  /** The ticket of a send about to go out; {@link reported} must follow, once. */
  ticket(): number {
    const ticket = this.nextTicket++;
    if (ticket - this.lowUnreported >= this.reportedAhead.length) this.growRing();
    return ticket;
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
    const ring = this.reportedAhead;
    const mask = ring.length - 1;
    if (ticket !== this.lowUnreported) {
      ring[ticket & mask] = 1;
      return;
    }
    let low = ticket + 1;
    while (ring[low & mask] === 1) ring[low++ & mask] = 0;
    this.lowUnreported = low;
    if (this.entries.length > 0) this.dispatch();
  }

  /**
   * Holds the keys of `records` for the send of `ticket` and queues it in ticket
   * order; it goes out no earlier than `delayMs` from now. Counts as the ticket's
   * report when it had none yet: the hold is in place before later retries are let go.
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
    if (this.isReported(ticket)) this.dispatch();
    else this.reported(ticket);
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

  private isReported(ticket: number): boolean {
    return ticket < this.lowUnreported || this.reportedAhead[ticket & (this.reportedAhead.length - 1)] === 1;
  }

  /** Doubles the ring when more tickets are out than it has slots. */
  private growRing(): void {
    const old = this.reportedAhead;
    const ring = new Uint8Array(old.length * 2);
    for (let t = this.lowUnreported; t < this.nextTicket; t++) ring[t & (ring.length - 1)] = old[t & (old.length - 1)]!;
    this.reportedAhead = ring;
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
