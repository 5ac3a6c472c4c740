/**
 * The bounded fault set of `pnpm test`: every scenario once, at scale 1, with a seed
 * from ORDO_FAULT_SEED or a fresh one (printed on failure, with the command to rerun).
 * Longer runs with more events and faults: `pnpm soak`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { formatFailure, formatTable, type ScenarioOutcome } from '../checker/report.js';
import { runScenario } from '../runner/run-scenario.js';
import { seedFromEnv } from '../runner/seed.js';
import { SCENARIOS } from './index.js';

const outcomes: ScenarioOutcome[] = [];

describe('fault scenarios through @ordo/rdkafka on @ordo/kafka-mock (bounded set)', () => {
  afterAll(() => {
    if (outcomes.length) console.log(`\nfault suite figures\n${formatTable(outcomes)}`);
  });
  for (const scenario of SCENARIOS.filter((s) => s.bounded)) {
    it(
      `${scenario.name}: ${scenario.description}`,
      async () => {
        const outcome = await runScenario(scenario, { seed: seedFromEnv() });
        outcomes.push(outcome);
        expect(outcome.report.violations, formatFailure(outcome)).toEqual([]);
      },
      scenario.deadlineMs + 60_000,
    );
  }
});
