import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../../driver/types.js';
import { assignSticky } from './assignor.js';

const topics = new Set(['t']);
const parts = (...ps: number[]): TopicPartition[] => ps.map((partition) => ({ topic: 't', partition }));
const counts = new Map([['t', 12]]);

describe('assignSticky', () => {
  it('balances partitions across members', () => {
    const result = assignSticky(
      ['a', 'b', 'c'].map((id) => ({ id, topics, owned: [] })),
      counts,
    );
    expect([...result.values()].map((l) => l.length)).toEqual([4, 4, 4]);
    const all = [...result.values()]
      .flat()
      .map((tp) => tp.partition)
      .sort((x, y) => x - y);
    expect(all).toEqual([...Array(12).keys()]);
  });

  it('moves only what it must when a member joins', () => {
    const before = parts(...Array(12).keys());
    const result = assignSticky(
      [
        { id: 'a', topics, owned: before },
        { id: 'b', topics, owned: [] },
      ],
      counts,
    );
    expect(result.get('a')).toEqual(parts(0, 1, 2, 3, 4, 5));
    expect(result.get('b')).toEqual(parts(6, 7, 8, 9, 10, 11));
  });

  it('keeps survivors in place when a member leaves', () => {
    const result = assignSticky(
      [
        { id: 'a', topics, owned: parts(0, 1, 2, 3) },
        { id: 'c', topics, owned: parts(8, 9, 10, 11) },
      ],
      counts,
    );
    expect(result.get('a')!.slice(0, 4)).toEqual(parts(0, 1, 2, 3));
    expect(result.get('c')).toEqual(expect.arrayContaining(parts(8, 9, 10, 11)));
    expect(result.get('a')!.length + result.get('c')!.length).toBe(12);
  });

  it('gives a topic only to members subscribed to it', () => {
    const result = assignSticky(
      [
        { id: 'a', topics: new Set(['t']), owned: [] },
        { id: 'b', topics: new Set(['u']), owned: [] },
      ],
      new Map([
        ['t', 2],
        ['u', 3],
      ]),
    );
    expect(result.get('a')!.every((tp) => tp.topic === 't')).toBe(true);
    expect(result.get('b')).toHaveLength(3);
  });
});
