/**
 * The checker bites: consumers whose driver breaks one guarantee on purpose, through
 * the real client and engine, and the violations the checker must report for it.
 */
import { describe, expect, it } from 'vitest';
import { formatFailure } from '../checker/report.js';
import { runScenario } from '../runner/run-scenario.js';
import { sabotaged } from './sabotaged.js';

const kindsOf = (outcome: Awaited<ReturnType<typeof runScenario>>) =>
  [...new Set(outcome.report.violations.map((v) => v.invariant))].sort();

describe('the fault checker on a sabotaged consumer', () => {
  it('reports the commit over dead letters acknowledged but never written, and their loss', async () => {
    const outcome = await runScenario(sabotaged('unwritten-dead-letters'), { seed: 10 });
    expect(kindsOf(outcome), formatFailure(outcome)).toEqual(['O2-lost', 'commit-before-handled']);
    const lost = outcome.report.violations.filter((v) => v.invariant === 'O2-lost');
    // The poison event and its key's later (parked) events: every one of them "dead-lettered".
    expect(lost.every((v) => v.message.includes('not in the dead-letter topic'))).toBe(true);
    expect(outcome.report.violations.find((v) => v.invariant === 'commit-before-handled')!.message).toContain(
      'not in the dead-letter topic',
    );
  }, 90_000);

  it('reports the lost record, its key handled past it, and the commit over it when the driver drops one', async () => {
    const outcome = await runScenario(sabotaged('drop-record'), { seed: 12 });
    expect(kindsOf(outcome), formatFailure(outcome)).toEqual(['O1-order', 'O2-lost', 'commit-before-handled']);
    expect(outcome.report.lost).toBe(1);
    const [lost] = outcome.report.violations.filter((v) => v.invariant === 'O2-lost');
    const inversion = outcome.report.violations.find((v) => v.invariant === 'O1-order')!;
    expect(inversion.offsets![0]).toBe(lost!.offsets![0]); // the key went on past the dropped one
  }, 90_000);

  it('reports an inversion when the driver hands the engine two records of one key in the wrong order', async () => {
    const outcome = await runScenario(sabotaged('swap-records'), { seed: 11 });
    // The engine handles the later record and never the earlier ones: order and loss, both caught.
    expect(kindsOf(outcome), formatFailure(outcome)).toContain('O1-order');
    expect(outcome.report.inversions).toBeGreaterThanOrEqual(1);
    const lostOffsets = new Set(
      outcome.report.violations.filter((v) => v.invariant === 'O2-lost').map((v) => `${v.partition}@${v.offsets![0]}`),
    );
    for (const v of outcome.report.violations.filter((x) => x.invariant === 'O1-order')) {
      expect(lostOffsets.has(`${v.partition}@${v.offsets![0]}`) || v.message.includes('first handled only')).toBe(true);
    }
  }, 90_000);
});
