import type { FaultRecord } from '../log/records.js';
import { partitionOf, type HandlerCall, type IndexedEvent, type RunIndex } from './run-index.js';
import type { Violation } from './violation.js';

/**
 * When an event was first settled: handled successfully, or reported dead-lettered by a
 * consumer when the dead letter is really in the dead-letter topic.
 */
export function settledAt(index: RunIndex, ref: string): number | undefined {
  const ok = index.okCalls.get(ref)?.[0]?.end;
  const dead = index.deadLetters.has(ref) ? index.deadLetteredAt.get(ref) : undefined;
  if (ok === undefined) return dead;
  return dead === undefined ? ok : Math.min(ok, dead);
}

const describeKey = (e: IndexedEvent) => `key ${e.key} (${e.topic}/${e.partition})`;

/** O2: every event handled successfully or durably in a dead-letter topic; acknowledged means stored. */
export function checkNoLoss(index: RunIndex): { lost: number; violations: Violation[] } {
  const violations: Violation[] = [];
  let lost = 0;
  for (const e of index.events.values()) {
    if (index.okCalls.has(e.ref) || index.deadLetters.has(e.ref)) continue;
    lost++;
    const tries = index.calls.filter((c) => c.event === e.ref);
    violations.push({
      invariant: 'O2-lost',
      message:
        `${e.ref} (${describeKey(e)}, id ${e.id}) was never handled successfully nor dead-lettered` +
        (tries.length
          ? `; ${tries.length} failed or unfinished call(s) in ${[...new Set(tries.map((c) => c.proc))].join(', ')}`
          : '; never delivered to a handler') +
        (index.valuesMissing.has(e.ref)
          ? '; its dead letter omits the value and no failed-message entry holds it'
          : index.deadLetteredAt.has(e.ref)
            ? '; a consumer reported it dead-lettered but it is not in the dead-letter topic'
            : ''),
      key: e.keyRef,
      partition: e.partition,
      offsets: [e.offset],
      procs: [...new Set(tries.map((c) => c.proc))],
    });
  }
  for (const e of index.acknowledgedNotStored) {
    lost++;
    violations.push({
      invariant: 'O2-lost',
      message: `event ${e.id} (${describeKey(e)}) was acknowledged at offset ${e.offset} but is not in the topic (read back whole)`,
      key: e.keyRef,
      partition: e.partition,
      offsets: [e.offset],
    });
  }
  return { lost, violations };
}

/**
 * O1: each successful handling of a key's event starts after its predecessor (the key's
 * previous offset) was handled successfully. A predecessor only dead-lettered parks the
 * key: the main handler must not see the event at all.
 */
export function checkKeyOrder(index: RunIndex): Violation[] {
  const violations: Violation[] = [];
  for (const events of index.keys.values()) {
    for (let i = 1; i < events.length; i++) {
      const previous = events[i - 1]!;
      const current = events[i]!;
      const calls = index.okCalls.get(current.ref);
      if (!calls) continue;
      const previousOk = index.okCalls.get(previous.ref)?.[0];
      for (const call of calls) {
        if (previousOk && previousOk.end <= call.start) continue;
        const why = previousOk
          ? `its predecessor @${previous.offset} was first handled only at ${fmt(previousOk.end)} by ${previousOk.proc}`
          : index.deadLetters.has(previous.ref) || index.deadLetteredAt.has(previous.ref)
            ? `its predecessor @${previous.offset} was dead-lettered, so the key should have been parked`
            : `its predecessor @${previous.offset} was never handled`;
        violations.push({
          invariant: 'O1-order',
          message: `${describeKey(current)}: @${current.offset} handled by ${call.proc} starting at ${fmt(call.start)}, but ${why}`,
          key: current.keyRef,
          partition: current.partition,
          offsets: [previous.offset, current.offset],
          procs: [call.proc, ...(previousOk ? [previousOk.proc] : [])],
        });
        break;
      }
    }
  }
  return violations;
}

/** No key in two handler calls at once: not in two live processes, not twice in one. */
export function checkSingleFlight(index: RunIndex): Violation[] {
  const violations: Violation[] = [];
  const active = new Map<string, HandlerCall[]>();
  for (const call of index.calls) {
    const running = (active.get(call.keyRef) ?? []).filter((c) => c.end > call.start);
    for (const other of running) {
      violations.push({
        invariant: 'in-flight-twice',
        message:
          `key ${call.keyRef}: ${call.event} started in ${call.proc} at ${fmt(call.start)} while ${other.event} was in flight in ` +
          `${other.proc} (${fmt(other.start)}–${other.ended ? fmt(other.end) : 'never ended'})`,
        key: call.keyRef,
        offsets: [offsetOf(other.event), offsetOf(call.event)],
        procs: [other.proc, call.proc],
      });
    }
    running.push(call);
    active.set(call.keyRef, running);
  }
  return violations;
}

/**
 * O2 at commit time: a commit of offset N for a partition comes after every event below
 * N there was handled successfully or reported dead-lettered.
 */
export function checkCommits(index: RunIndex): Violation[] {
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const prefixSettled = new Map<string, Array<{ offset: number; at: number; firstLate: IndexedEvent }>>();
  for (const [partition, events] of index.partitions) {
    let worst = -Infinity;
    let worstEvent = events[0]!;
    const prefix = events.map((e) => {
      const at = settledAt(index, e.ref) ?? Infinity;
      if (at > worst) [worst, worstEvent] = [at, e];
      return { offset: e.offset, at: worst, firstLate: worstEvent };
    });
    prefixSettled.set(partition, prefix);
  }
  for (const commit of index.commits) {
    const prefix = prefixSettled.get(partitionOf(commit));
    if (!prefix) continue;
    let lo = 0;
    let hi = prefix.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (prefix[mid]!.offset < commit.offset) [found, lo] = [mid, mid + 1];
      else hi = mid - 1;
    }
    if (found < 0 || prefix[found]!.at <= commit.t) continue;
    const late = firstUnsettledBefore(index, partitionOf(commit), commit.offset, commit.t);
    const tag = `${commit.proc}|${partitionOf(commit)}|${late?.offset}`;
    if (reported.has(tag)) continue;
    reported.add(tag);
    const at = late ? settledAt(index, late.ref) : undefined;
    violations.push({
      invariant: 'commit-before-handled',
      message:
        `${commit.proc} committed ${partitionOf(commit)} at ${commit.offset} (${fmt(commit.t)}), but @${late?.offset} ` +
        `(key ${late?.key}) was ${at === undefined ? 'never handled nor durably dead-lettered' : `settled only at ${fmt(at)}`}` +
        (late && index.deadLetteredAt.has(late.ref) && !index.deadLetters.has(late.ref)
          ? ' (a consumer reported it dead-lettered, but it is not in the dead-letter topic)'
          : ''),
      key: late?.keyRef,
      partition: commit.partition,
      offsets: [late?.offset ?? -1, commit.offset],
      procs: [commit.proc],
    });
  }
  return violations;
}

function firstUnsettledBefore(index: RunIndex, partition: string, offset: number, t: number): IndexedEvent | undefined {
  return index.partitions.get(partition)!.find((e) => e.offset < offset && (settledAt(index, e.ref) ?? Infinity) > t);
}

/**
 * O6: a successful handling repeated only across a crash or rebalance (a boundary of
 * either process between the two calls), and never of work committed before it started.
 */
export function checkDuplicates(index: RunIndex): { duplicates: number; violations: Violation[] } {
  const violations: Violation[] = [];
  let duplicates = 0;
  const commitsOf = new Map<string, Array<{ t: number; offset: number }>>();
  for (const c of index.commits) {
    const list = commitsOf.get(partitionOf(c)) ?? [];
    list.push({ t: c.t, offset: c.offset });
    commitsOf.set(partitionOf(c), list);
  }
  for (const [ref, calls] of index.okCalls) {
    const event = index.events.get(ref);
    for (let i = 1; i < calls.length; i++) {
      duplicates++;
      const first = calls[i - 1]!;
      const again = calls[i]!;
      const crossed = [first.proc, again.proc].some((p) =>
        (index.boundaries.get(p) ?? []).some((t) => t >= first.start && t <= again.start),
      );
      const committed = Math.max(
        -1,
        ...(commitsOf.get(event ? partitionOf(event) : '') ?? []).filter((c) => c.t < again.start).map((c) => c.offset),
      );
      const offset = event?.offset ?? offsetOf(ref);
      if (crossed && committed <= offset) continue;
      violations.push({
        invariant: 'O6-duplicate',
        message: crossed
          ? `${ref} handled again by ${again.proc} at ${fmt(again.start)} although offset ${committed} was already committed`
          : `${ref} handled twice (${first.proc} at ${fmt(first.start)}, ${again.proc} at ${fmt(again.start)}) with no crash or rebalance between`,
        key: event?.keyRef,
        partition: event?.partition,
        offsets: [offset],
        procs: [first.proc, again.proc],
      });
    }
  }
  return { duplicates, violations };
}

/**
 * O3: a key is dead-lettered as `parked` only after one of its own events was
 * dead-lettered for failing (in dead-letter topic order, which is write order per key).
 * A redelivered event that was handled before the crash may be parked: that is allowed.
 */
export function checkParkedKeys(index: RunIndex): Violation[] {
  const violations: Violation[] = [];
  const letters = [...index.deadLetters.values()].flat().sort((a, b) => a.deadLetterOffset - b.deadLetterOffset);
  const failedKeys = new Set<string>();
  const reported = new Set<string>();
  for (const d of letters) {
    const keyRef = `${d.topic}|${d.key}`;
    if (d.reason !== 'parked') {
      failedKeys.add(keyRef);
      continue;
    }
    if (failedKeys.has(keyRef) || reported.has(keyRef)) continue;
    reported.add(keyRef);
    violations.push({
      invariant: 'O3-parked-innocent',
      message:
        `key ${d.key} (${d.topic}/${d.partition}): @${d.offset} dead-lettered as parked (dead-letter offset ` +
        `${d.deadLetterOffset}), but no event of this key was dead-lettered for failing before it (parked by another key with the same text, or left parked by a crash?)`,
      key: keyRef,
      partition: d.partition,
      offsets: [d.offset],
    });
  }
  return violations;
}

function offsetOf(ref: string): number {
  return Number(ref.slice(ref.lastIndexOf('@') + 1));
}

/** A time for messages: seconds since the epoch with milliseconds. */
export function fmt(t: number): string {
  return Number.isFinite(t) ? `t=${(t / 1000).toFixed(3)}` : 'never';
}

/** Every process ends because the runner killed it or asked it to stop, never by itself. */
export function checkProcessExits(records: readonly FaultRecord[]): Violation[] {
  const killed = new Set(records.filter((r) => r.kind === 'killed').map((r) => (r as { victim: string }).victim));
  const violations: Violation[] = [];
  for (const r of records) {
    if (r.kind !== 'exited' || r.requested || killed.has(r.victim)) continue;
    if (r.requested === undefined && r.status === undefined) continue;
    violations.push({
      invariant: 'process-crashed',
      message: `${r.victim} exited by itself (${r.status ?? 'unknown status'}) at ${fmt(r.t)}: ${r.detail ?? ''}`,
      procs: [r.victim],
    });
  }
  return violations;
}
