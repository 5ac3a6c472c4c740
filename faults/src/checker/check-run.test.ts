import { describe, expect, it } from 'vitest';
import type { FaultRecord } from '../log/records.js';
import { checkRun } from './check-run.js';
import type { Invariant } from './violation.js';

/** A hand-written log: events of topic `t`, partition 0, with a clock that ticks per line. */
function log() {
  const records: FaultRecord[] = [];
  let clock = 1_000;
  let deadLetters = 0;
  const at = () => (clock += 1);
  const ev = (offset: number, key: string) => ({ topic: 't', partition: 0, offset, key, id: `id-${offset}` });
  const api = {
    records,
    record(offset: number, key: string) {
      records.push({ kind: 'record', proc: 'runner', t: at(), ...ev(offset, key) });
      return api;
    },
    start(proc: string, offset: number, key: string) {
      records.push({ kind: 'start', proc, t: at(), ...ev(offset, key) });
      return api;
    },
    end(proc: string, offset: number, key: string, ok = true) {
      records.push({ kind: 'end', proc, t: at(), ok, ...ev(offset, key) });
      return api;
    },
    handle(proc: string, offset: number, key: string) {
      return api.start(proc, offset, key).end(proc, offset, key);
    },
    commit(proc: string, offset: number) {
      records.push({ kind: 'commit', proc, t: at(), topic: 't', partition: 0, offset });
      return api;
    },
    deadLetter(proc: string, offset: number, key: string, reason: string) {
      records.push({ kind: 'dead-lettered', proc, t: at(), topic: 't', partition: 0, offset, reason });
      const deadLetterOffset = deadLetters++;
      records.push({ kind: 'dead-letter', proc: 'runner', t: at(), reason, deadLetterOffset, ...ev(offset, key) });
      return api;
    },
    killed(victim: string) {
      records.push({ kind: 'killed', proc: 'runner', t: at(), victim });
      return api;
    },
    rebalance(proc: string) {
      records.push({ kind: 'rebalance', proc, t: at(), assigned: ['t/0'], revoked: [], lost: [] });
      return api;
    },
  };
  return api;
}

const kinds = (records: FaultRecord[]): Invariant[] => checkRun(records).violations.map((v) => v.invariant);

describe('the fault checker on hand-written logs', () => {
  it('passes a clean run and counts its figures', () => {
    const l = log().record(0, 'aa').record(1, 'bb').record(2, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').handle('c1#1', 1, 'bb').handle('c1#1', 2, 'aa').commit('c1#1', 3);
    const report = checkRun(l.records);
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ events: 3, handled: 3, lost: 0, inversions: 0, duplicates: 0 });
  });

  it('reports an inversion (O1): a key handled before its predecessor', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.handle('c1#1', 1, 'aa').handle('c1#1', 0, 'aa');
    const report = checkRun(l.records);
    expect(kinds(l.records)).toEqual(['O1-order']);
    expect(report.inversions).toBe(1);
    expect(report.violations[0]!.offsets).toEqual([0, 1]);
    expect(report.violations[0]!.key).toBe('t|aa');
  });

  it('reports a key handled while it should be parked (O1): its predecessor was dead-lettered', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.start('c1#1', 0, 'aa').end('c1#1', 0, 'aa', false).deadLetter('c1#1', 0, 'aa', 'handler-error');
    l.handle('c1#1', 1, 'aa');
    expect(kinds(l.records)).toEqual(['O1-order']);
    expect(checkRun(l.records).violations[0]!.message).toContain('should have been parked');
  });

  it('reports a gap (O2): an event never handled nor dead-lettered, and the commit over it', () => {
    const l = log().record(0, 'aa').record(1, 'bb').record(2, 'cc');
    l.handle('c1#1', 0, 'aa').handle('c1#1', 2, 'cc').commit('c1#1', 3);
    const report = checkRun(l.records);
    expect(kinds(l.records)).toEqual(['O2-lost', 'commit-before-handled']);
    expect(report.lost).toBe(1);
    expect(report.violations[0]!.offsets).toEqual([1]);
    expect(report.violations[1]!.message).toContain('@1');
  });

  it('reports a commit before the dead-letter write it depends on', () => {
    const l = log().record(0, 'aa').record(1, 'bb');
    l.start('c1#1', 0, 'aa').end('c1#1', 0, 'aa', false).handle('c1#1', 1, 'bb').commit('c1#1', 2);
    l.deadLetter('c1#1', 0, 'aa', 'handler-error');
    expect(kinds(l.records)).toEqual(['commit-before-handled']);
  });

  it('counts an event that is only in the dead-letter topic as not lost', () => {
    const l = log().record(0, 'aa');
    l.start('c1#1', 0, 'aa').end('c1#1', 0, 'aa', false).deadLetter('c1#1', 0, 'aa', 'handler-error').commit('c1#1', 1);
    expect(checkRun(l.records)).toMatchObject({ violations: [], lost: 0, deadLettered: 1, handled: 0 });
  });

  it('counts a dead letter without its value only when the failed-message store holds the value', () => {
    const valueless = (setAside: boolean) => {
      const l = log().record(0, 'aa');
      l.start('c1#1', 0, 'aa')
        .end('c1#1', 0, 'aa', false)
        .deadLetter('c1#1', 0, 'aa', 'handler-error')
        .commit('c1#1', 1);
      const dead = l.records.findIndex((r) => r.kind === 'dead-letter');
      l.records[dead] = { ...(l.records[dead] as Extract<FaultRecord, { kind: 'dead-letter' }>), failureId: 'f-1' };
      if (setAside)
        l.records.push({ kind: 'set-aside', proc: 'runner', t: 9_999, failureId: 'f-1', id: 'id-0', bytes: 1_500_000 });
      return checkRun(l.records);
    };
    expect(valueless(true)).toMatchObject({ violations: [], lost: 0 });
    const lost = valueless(false);
    expect(lost.lost).toBe(1);
    expect(lost.violations.map((v) => v.invariant)).toContain('O2-lost');
    expect(lost.violations.find((v) => v.invariant === 'O2-lost')!.message).toContain(
      'no failed-message entry holds it',
    );
  });

  it('reports an acknowledged publish that is not in the topic as lost', () => {
    const l = log().record(0, 'aa');
    l.records.push({
      kind: 'produced',
      proc: 'producer',
      t: 1,
      topic: 't',
      partition: 0,
      offset: 1,
      key: 'bb',
      id: 'gone',
      poison: false,
    });
    l.handle('c1#1', 0, 'aa');
    expect(kinds(l.records)).toEqual(['O2-lost']);
  });

  it('reports a key in flight in two live processes at once', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.start('c1#1', 0, 'aa').start('c2#1', 0, 'aa').end('c1#1', 0, 'aa').end('c2#1', 0, 'aa');
    l.rebalance('c2#1').handle('c2#1', 1, 'aa');
    const report = checkRun(l.records);
    expect(report.violations.map((v) => v.invariant)).toContain('in-flight-twice');
    expect(report.violations.find((v) => v.invariant === 'in-flight-twice')!.procs).toEqual(['c1#1', 'c2#1']);
  });

  it('accepts the unfinished call of a killed process followed by a redelivery elsewhere', () => {
    const l = log().record(0, 'aa');
    l.rebalance('c1#1')
      .start('c1#1', 0, 'aa')
      .killed('c1#1')
      .rebalance('c2#1')
      .handle('c2#1', 0, 'aa')
      .commit('c2#1', 1);
    expect(checkRun(l.records).violations).toEqual([]);
  });

  it('reports a call of a process that was never killed as still in flight when another starts', () => {
    const l = log().record(0, 'aa');
    l.rebalance('c1#1').start('c1#1', 0, 'aa').rebalance('c2#1').handle('c2#1', 0, 'aa');
    expect(kinds(l.records)).toEqual(['in-flight-twice']);
  });

  it('allows a duplicate across a crash of uncommitted work (O6)', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').handle('c1#1', 1, 'aa').killed('c1#1');
    l.rebalance('c2#1').handle('c2#1', 0, 'aa').handle('c2#1', 1, 'aa').commit('c2#1', 2);
    const report = checkRun(l.records);
    expect(report.violations).toEqual([]);
    expect(report.duplicates).toBe(2);
  });

  it('reports a duplicate with no crash or rebalance between (O6)', () => {
    const l = log().record(0, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').handle('c1#1', 0, 'aa');
    expect(kinds(l.records)).toEqual(['O6-duplicate']);
  });

  it('reports re-handling of work already committed (O6), even across a crash', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').handle('c1#1', 1, 'aa').commit('c1#1', 2).killed('c1#1');
    l.rebalance('c2#1').handle('c2#1', 0, 'aa');
    const report = checkRun(l.records);
    expect(report.violations.map((v) => v.invariant)).toEqual(['O6-duplicate']);
    expect(report.violations[0]!.message).toContain('already committed');
  });

  it('reports an innocent key dead-lettered as parked (O3)', () => {
    const l = log().record(0, 'ff01').record(1, 'fe01');
    l.start('c1#1', 0, 'ff01').end('c1#1', 0, 'ff01', false).deadLetter('c1#1', 0, 'ff01', 'handler-error');
    l.deadLetter('c1#1', 1, 'fe01', 'parked');
    const report = checkRun(l.records);
    expect(report.violations.map((v) => v.invariant)).toEqual(['O3-parked-innocent']);
    expect(report.violations[0]!.key).toBe('t|fe01');
  });

  it('accepts a redelivered, already handled event parked after its key failed later on', () => {
    const l = log().record(0, 'aa').record(1, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').start('c1#1', 1, 'aa').end('c1#1', 1, 'aa', false);
    l.deadLetter('c1#1', 1, 'aa', 'handler-error')
      .killed('c1#1')
      .rebalance('c2#1')
      .deadLetter('c2#1', 0, 'aa', 'parked');
    expect(checkRun(l.records).violations).toEqual([]);
  });

  it('accepts the followers of a failed key parked in order', () => {
    const l = log().record(0, 'ff01').record(1, 'ff01');
    l.start('c1#1', 0, 'ff01').end('c1#1', 0, 'ff01', false).deadLetter('c1#1', 0, 'ff01', 'handler-error');
    l.deadLetter('c1#1', 1, 'ff01', 'parked').commit('c1#1', 2);
    expect(checkRun(l.records).violations).toEqual([]);
  });
});

describe('process exits', () => {
  it('reports a process that exited by itself, and accepts kills and requested stops', () => {
    const l = log().record(0, 'aa');
    l.rebalance('c1#1').handle('c1#1', 0, 'aa').commit('c1#1', 1).killed('c1#1');
    l.records.push(
      { kind: 'exited', proc: 'runner', t: 2_000, victim: 'c2#1', status: 'exit 0', requested: true },
      {
        kind: 'exited',
        proc: 'runner',
        t: 2_001,
        victim: 'c3#1',
        status: 'exit 1',
        requested: false,
        detail: 'ECONNRESET',
      },
    );
    const report = checkRun(l.records);
    expect(report.violations.map((v) => v.invariant)).toEqual(['process-crashed']);
    expect(report.violations[0]!.message).toContain('c3#1 exited by itself (exit 1)');
  });
});

describe('the outbox order check (O7)', () => {
  const inserted = (ids: string[], key = 'k'): FaultRecord[] =>
    ids.map((id, i) => ({ kind: 'inserted', proc: 'runner', t: i, key, id }));
  const published = (ids: string[], key = 'k'): FaultRecord[] =>
    ids.map((id, offset) => ({
      kind: 'published',
      proc: 'runner',
      t: 100 + offset,
      topic: 't',
      partition: 0,
      offset,
      key,
      id,
    }));

  const crash: FaultRecord = { kind: 'killed', proc: 'runner', t: 50, victim: 'relay-1#1' };

  it('accepts insertion order with a suffix repeated after a crash', () => {
    const report = checkRun([...inserted(['a', 'b', 'c', 'd']), crash, ...published(['a', 'b', 'c', 'b', 'c', 'd'])]);
    expect(report).toMatchObject({ violations: [], events: 4, lost: 0, inversions: 0, duplicates: 2 });
  });

  it('reports repeats when no relay crashed', () => {
    const report = checkRun([...inserted(['a', 'b']), ...published(['a', 'b', 'b'])]);
    expect(report.violations.map((v) => v.invariant)).toEqual(['O7-outbox-order']);
    expect(report.violations[0]!.message).toContain('no relay crashed');
  });

  it('reports a row published before an earlier one of its key', () => {
    const report = checkRun([...inserted(['a', 'b', 'c']), ...published(['a', 'c', 'b'])]);
    expect(report.violations.map((v) => v.invariant)).toEqual(['O7-outbox-order']);
    expect(report.inversions).toBe(1);
  });

  it('reports a repeat that skips a row, and a row never published', () => {
    const report = checkRun([...inserted(['a', 'b', 'c', 'd']), crash, ...published(['a', 'b', 'c', 'a', 'c'])]);
    expect(report.violations.map((v) => v.invariant)).toEqual(['O7-outbox-order', 'O2-lost']);
    expect(report.lost).toBe(1);
  });
});
