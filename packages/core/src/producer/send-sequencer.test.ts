import { describe, expect, it } from 'vitest';
import type { ProducerRecord } from '../driver/types.js';
import { SendSequencer } from './send-sequencer.js';

const rec = (key: string | Buffer | null, topic = 't'): ProducerRecord => ({ topic, key, value: null });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Marks the order in which held sends get their turn. */
function track(order: string[], name: string, turn: Promise<void>): void {
  void turn.then(() => order.push(name));
}

describe('SendSequencer', () => {
  it('lets every send go while no retry is pending', () => {
    const s = new SendSequencer();
    const t = s.ticket();
    expect(s.mustWait([rec('a')])).toBe(false);
    s.reported(t);
  });

  it('retries an earlier send that fails later first, whatever order the driver reports in', async () => {
    const s = new SendSequencer();
    const first = s.ticket();
    const second = s.ticket();
    const order: string[] = [];
    // The second send of K fails first: its retry must wait for the first send's report.
    const secondRetry = s.hold(second, [rec('K')]);
    track(order, 'second', secondRetry.turn);
    await tick();
    expect(order).toEqual([]);
    const firstRetry = s.hold(first, [rec('K')]);
    track(order, 'first', firstRetry.turn);
    await tick();
    expect(order).toEqual(['first']);
    s.release(firstRetry);
    await tick();
    expect(order).toEqual(['first', 'second']);
    s.release(secondRetry);
  });

  it('compares keys as bytes: a string key and its UTF-8 Buffer are one key; topics are apart', () => {
    const s = new SendSequencer();
    s.hold(s.ticket(), [rec('é')]);
    expect(s.mustWait([rec(Buffer.from('é', 'utf8'))])).toBe(true);
    expect(s.mustWait([rec('é', 'other')])).toBe(false);
    expect(s.mustWait([rec(null)])).toBe(false);
  });

  it('keeps count of more outstanding sends than its first ring holds, reported out of order', async () => {
    const s = new SendSequencer();
    const tickets = Array.from({ length: 5_000 }, () => s.ticket());
    const failed = s.ticket();
    const order: string[] = [];
    track(order, 'retry', s.hold(failed, [rec('K')]).turn);
    for (const t of tickets.reverse()) {
      await Promise.resolve();
      expect(order).toEqual([]);
      s.reported(t);
    }
    await tick();
    expect(order).toEqual(['retry']);
  });
});
