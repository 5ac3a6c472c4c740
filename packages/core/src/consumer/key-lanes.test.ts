import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../driver/types.js';
import { KeyLanes, type Lane, type PartitionWork } from './key-lanes.js';

const owner: PartitionWork = { topic: 't', partition: 0, closing: false };
let offset = 0;
const record = (key: Buffer | string | null): ConsumedRecord => ({
  topic: 't',
  partition: 0,
  offset: offset++,
  key: typeof key === 'string' ? Buffer.from(key) : key,
  value: null,
  headers: {},
  timestamp: 0,
});

/** Empties a lane as the engine does when its last record is done. */
function drain(lanes: KeyLanes, lane: Lane): void {
  lane.queue.length = 0;
  lanes.release(lane);
}

describe('KeyLanes', () => {
  it('gives records of one key one lane, in order, and other keys other lanes', () => {
    const lanes = new KeyLanes(owner, 'key');
    const a1 = lanes.add(record('a'));
    const b1 = lanes.add(record('b'));
    const a2 = lanes.add(record(Buffer.from('a')));
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    expect(a1.queue.map((r) => r.key!.toString())).toEqual(['a', 'a']);
    expect(a1.queue[0]!.offset).toBeLessThan(a1.queue[1]!.offset);
    expect(lanes.size).toBe(2);
  });

  it('tells apart keys whose hashes collide, by their bytes', () => {
    // FNV-1a of both is -1442124316: one chain, two lanes.
    const lanes = new KeyLanes(owner, 'key');
    const first = lanes.add(record('key-901258'));
    const second = lanes.add(record('key-1540052'));
    expect(second).not.toBe(first);
    expect(lanes.add(record('key-901258'))).toBe(first);
    expect(lanes.add(record('key-1540052'))).toBe(second);
    expect([...lanes.all()]).toHaveLength(2);
  });

  it('tells apart keys that differ only past the bytes compared in JavaScript', () => {
    const lanes = new KeyLanes(owner, 'key');
    const long = 'x'.repeat(100);
    const a = lanes.add(record(`${long}a`));
    expect(lanes.add(record(`${long}b`))).not.toBe(a);
    expect(lanes.add(record(`${long}a`))).toBe(a);
  });

  it('gives each keyless record a lane of its own, dropped when it empties', () => {
    const lanes = new KeyLanes(owner, 'key');
    const one = lanes.add(record(null));
    const two = lanes.add(record(null));
    expect(two).not.toBe(one);
    drain(lanes, one);
    drain(lanes, two);
    expect(lanes.size).toBe(0);
  });

  it('in partition mode, queues every record in one lane', () => {
    const lanes = new KeyLanes(owner, 'partition');
    const lane = lanes.add(record('a'));
    expect(lanes.add(record('b'))).toBe(lane);
    expect(lanes.add(record(null))).toBe(lane);
    expect(lane.queue).toHaveLength(3);
  });

  it('never sweeps a set of keys that fits: their lanes are reused', () => {
    const lanes = new KeyLanes(owner, 'key');
    const first = Array.from({ length: 500 }, (_, i) => lanes.add(record(`k${i}`)));
    for (const lane of first) drain(lanes, lane);
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 500; i++) {
        const lane = lanes.add(record(`k${i}`));
        expect(lane).toBe(first[i]);
        drain(lanes, lane);
      }
    }
    expect(lanes.size).toBe(500);
  });

  it('sweeps emptied lanes once more than 1,024 are kept, keeping busy ones', () => {
    const lanes = new KeyLanes(owner, 'key');
    const busy = lanes.add(record('busy'));
    busy.state = 'running';
    for (let i = 0; i < 1100; i++) drain(lanes, lanes.add(record(`k${i}`)));
    // The sweep when the 1,025th lane was released dropped every emptied one.
    expect(lanes.size).toBeLessThan(100);
    expect([...lanes.all()]).toContain(busy);
    expect(lanes.add(record('busy'))).toBe(busy);
  });

  it('sweeps in amortized constant time when most lanes stay busy', () => {
    const lanes = new KeyLanes(owner, 'key');
    const busy = Array.from({ length: 2000 }, (_, i) => lanes.add(record(`busy${i}`)));
    for (const lane of busy) lane.state = 'running';
    // The first release sweeps (2,001 kept) and keeps the 2,000 busy lanes; the next
    // sweep waits for 4,000. Sweeping on every release would keep none of these 1,000.
    for (let i = 0; i < 1000; i++) drain(lanes, lanes.add(record(`k${i}`)));
    expect(lanes.size).toBe(2000 + 999);
  });
});
