/**
 * The checker bites: consumers whose driver breaks one guarantee on purpose, through
 * the real client and engine, and the exact violation the checker must report.
 */
import { describe, expect, it } from 'vitest';
import { formatFailure } from '../checker/report.js';
import { runScenario } from '../runner/run-scenario.js';
import { sabotaged } from './sabotaged.js';

describe('the fault checker on a sabotaged consumer', () => {
  it('reports an inversion when the driver swaps two records of one key', async () => {
    const outcome = await runScenario(sabotaged('swap-records'), { seed: 11 });
    const kinds = new Set(outcome.report.violations.map((v) => v.invariant));
    expect([...kinds], formatFailure(outcome)).toEqual(['O1-order']);
    expect(outcome.report.inversions).toBe(1);
    expect(outcome.report.lost).toBe(0);
  }, 90_000);

  it('reports the lost record and the commit over it when the driver drops one', async () => {
    const outcome = await runScenario(sabotaged('drop-record'), { seed: 12 });
    const kinds = new Set(outcome.report.violations.map((v) => v.invariant));
    expect([...kinds].sort(), formatFailure(outcome)).toEqual(['O2-lost', 'commit-before-handled']);
    expect(outcome.report.lost).toBe(1);
  }, 90_000);
});
