import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('OffsetTracker', () => {
  it('commits only the contiguous completed prefix', () => {
    const t = new OffsetTracker();
    for (const o of [0, 1, 2, 3]) t.track(o);
    t.complete(2);
    t.complete(3);
    expect(t.committable()).toBeUndefined();
    t.complete(0);
    expect(t.committable()).toBe(1);
    t.complete(1);
    expect(t.committable()).toBe(4);
  });

  it('skips offset gaps left by compaction', () => {
    const t = new OffsetTracker();
    for (const o of [10, 15, 16]) t.track(o);
    t.complete(15);
    t.complete(10);
    expect(t.committable()).toBe(16);
    expect(t.outstanding).toBe(1);
  });

  it('reports nothing new after a commit until more completes', () => {
    const t = new OffsetTracker();
    t.track(0);
    t.complete(0);
    t.markCommitted(1);
    expect(t.committable()).toBeUndefined();
    t.track(1);
    t.complete(1);
    expect(t.committable()).toBe(2);
  });

  it('ignores a redelivered offset', () => {
    const t = new OffsetTracker();
    expect(t.track(5)).toBe(true);
    expect(t.track(5)).toBe(false);
    expect(t.track(4)).toBe(false);
    expect(t.outstanding).toBe(1);
  });

  it('stays correct across compaction of its internal queue', () => {
    const t = new OffsetTracker();
    for (let o = 0; o < 5000; o++) t.track(o);
    for (let o = 4999; o >= 1; o--) t.complete(o);
    expect(t.committable()).toBeUndefined();
    t.complete(0);
    expect(t.committable()).toBe(5000);
    expect(t.outstanding).toBe(0);
  });

  it('matches a naive model for completions in any order, with gaps', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 20; round++) {
      const t = new OffsetTracker();
      const offsets: number[] = [];
      for (let o = 0; offsets.length < 3000; o += 1 + Math.floor(random() * 3)) offsets.push(o);
      for (const o of offsets) t.track(o);
      const order = [...offsets].sort(() => random() - 0.5);
      const done = new Set<number>();
      let prefix = 0; // how many of `offsets` are done from the start
      let committed = -1;
      for (const o of order) {
        t.complete(o);
        done.add(o);
        while (prefix < offsets.length && done.has(offsets[prefix]!)) prefix++;
        const expected = prefix === 0 ? -1 : offsets[prefix - 1]! + 1;
        expect(t.committable()).toBe(expected > committed ? expected : undefined);
        if (expected > committed) t.markCommitted((committed = expected));
      }
      expect(t.outstanding).toBe(0);
    }
  });
});
