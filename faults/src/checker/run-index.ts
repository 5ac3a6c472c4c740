import type {
  CommitRecord,
  DeadLetterTopicRecord,
  EventCoordinates,
  FaultRecord,
  HandlerEnd,
  HandlerStart,
  SetAsideRecord,
} from '../log/records.js';

/** An event of a source topic, as the checker knows it. */
export interface IndexedEvent extends EventCoordinates {
  /** `topic/partition@offset`. */
  readonly ref: string;
  /** `topic|hexkey`: what per-key order is about. */
  readonly keyRef: string;
  readonly key: string;
  readonly id: string;
}

/** One handler call: from its start line to its end line (or to its process's death). */
export interface HandlerCall {
  readonly event: string;
  readonly keyRef: string;
  readonly proc: string;
  readonly start: number;
  /** End time; the kill time when the process died in the call; Infinity when it never ended. */
  readonly end: number;
  /** Whether the handler returned: false when it threw or never returned. */
  readonly ok: boolean;
  /** Whether the end line was written. */
  readonly ended: boolean;
}

/** The logs of a run, indexed for the invariant checks. */
export interface RunIndex {
  readonly events: ReadonlyMap<string, IndexedEvent>;
  /** Per partition (`topic/partition`), its events in offset order. */
  readonly partitions: ReadonlyMap<string, readonly IndexedEvent[]>;
  /** Per key, its events in offset order. */
  readonly keys: ReadonlyMap<string, readonly IndexedEvent[]>;
  /** Handler calls in start order. */
  readonly calls: readonly HandlerCall[];
  /** Successful calls per event, in end order. */
  readonly okCalls: ReadonlyMap<string, readonly HandlerCall[]>;
  /** When a consumer first reported the event dead-lettered. */
  readonly deadLetteredAt: ReadonlyMap<string, number>;
  /** Dead-letter topic records per origin event (a valueless one only when its value is set aside). */
  readonly deadLetters: ReadonlyMap<string, readonly DeadLetterTopicRecord[]>;
  /** Events dead-lettered without their value, and the failed-message store has no entry holding it. */
  readonly valuesMissing: ReadonlySet<string>;
  readonly commits: readonly CommitRecord[];
  /** Times at which a process incarnation's ownership changed: rebalances, kills, exits. */
  readonly boundaries: ReadonlyMap<string, readonly number[]>;
  /** Acknowledged publishes missing from the topic. */
  readonly acknowledgedNotStored: readonly IndexedEvent[];
}

/** `topic/partition@offset`. */
export function refOf(c: EventCoordinates): string {
  return `${c.topic}/${c.partition}@${c.offset}`;
}

/** `topic/partition`. */
export function partitionOf(c: { readonly topic: string; readonly partition: number }): string {
  return `${c.topic}/${c.partition}`;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Indexes a run's records (sorted by time). The events are what the source topic holds
 * after the run (`record` lines) when the runner read it back, else what the producer
 * had acknowledged (`produced` lines).
 */
export function indexRun(records: readonly FaultRecord[]): RunIndex {
  const sorted = [...records].sort((a, b) => a.t - b.t);
  const stored = sorted.filter((r) => r.kind === 'record');
  const produced = sorted.filter((r) => r.kind === 'produced');
  const source = stored.length > 0 ? stored : produced;
  const events = new Map<string, IndexedEvent>();
  for (const r of source) {
    const ref = refOf(r);
    events.set(ref, {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      ref,
      keyRef: `${r.topic}|${r.key}`,
      key: r.key,
      id: r.id,
    });
  }
  const storedIds = new Set(stored.map((r) => r.id));
  const acknowledgedNotStored =
    stored.length === 0
      ? []
      : produced
          .filter((p) => !storedIds.has(p.id))
          .map((p) => ({ ...p, ref: refOf(p), keyRef: `${p.topic}|${p.key}` }));

  const partitions = new Map<string, IndexedEvent[]>();
  const keys = new Map<string, IndexedEvent[]>();
  for (const e of [...events.values()].sort((a, b) => a.offset - b.offset)) {
    pushTo(partitions, partitionOf(e), e);
    pushTo(keys, e.keyRef, e);
  }

  const deathOf = new Map<string, number>();
  const boundaries = new Map<string, number[]>();
  for (const r of sorted) {
    if (r.kind === 'killed' || r.kind === 'exited') {
      if (!deathOf.has(r.victim)) deathOf.set(r.victim, r.t);
      pushTo(boundaries, r.victim, r.t);
    } else if (r.kind === 'rebalance') {
      pushTo(boundaries, r.proc, r.t);
    }
  }

  const open = new Map<string, HandlerStart[]>();
  const calls: HandlerCall[] = [];
  const okCalls = new Map<string, HandlerCall[]>();
  const deadLetteredAt = new Map<string, number>();
  const deadLetters = new Map<string, DeadLetterTopicRecord[]>();
  const setAside = new Set(
    sorted.filter((r) => r.kind === 'set-aside' && r.bytes > 0).map((r) => (r as SetAsideRecord).failureId),
  );
  const valuesMissing = new Set<string>();
  const commits: CommitRecord[] = [];
  const keyRefOf = (r: HandlerStart | HandlerEnd) => events.get(refOf(r))?.keyRef ?? `${r.topic}|${r.key}`;
  for (const r of sorted) {
    switch (r.kind) {
      case 'start':
        pushTo(open, `${r.proc}|${refOf(r)}`, r);
        break;
      case 'end': {
        const start = open.get(`${r.proc}|${refOf(r)}`)?.shift();
        const call: HandlerCall = {
          event: refOf(r),
          keyRef: keyRefOf(r),
          proc: r.proc,
          start: start?.t ?? r.t,
          end: r.t,
          ok: r.ok,
          ended: true,
        };
        calls.push(call);
        if (r.ok) pushTo(okCalls, call.event, call);
        break;
      }
      case 'dead-lettered':
        if (!deadLetteredAt.has(refOf(r))) deadLetteredAt.set(refOf(r), r.t);
        break;
      case 'dead-letter':
        // A dead letter without its value counts only when the value is where it says.
        if (r.failureId === undefined || setAside.has(r.failureId)) pushTo(deadLetters, refOf(r), r);
        else valuesMissing.add(refOf(r));
        break;
      case 'commit':
        commits.push(r);
        break;
      default:
        break;
    }
  }
  for (const starts of open.values()) {
    for (const s of starts) {
      calls.push({
        event: refOf(s),
        keyRef: keyRefOf(s),
        proc: s.proc,
        start: s.t,
        end: deathOf.get(s.proc) ?? Infinity,
        ok: false,
        ended: false,
      });
    }
  }
  calls.sort((a, b) => a.start - b.start);
  return {
    events,
    partitions,
    keys,
    calls,
    okCalls,
    deadLetteredAt,
    deadLetters,
    valuesMissing,
    commits,
    boundaries,
    acknowledgedNotStored,
  };
}
