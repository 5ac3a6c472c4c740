/**
 * `pnpm soak`: the fault scenarios at a larger scale, each with a random seed (or the
 * one given), in rounds of every scenario until the duration is spent (one round at least). Prints the figures table and a
 * failure report per failing run (with the seed to rerun it), writes the figures as
 * JSON, and exits 1 when any run broke a guarantee.
 *
 *   pnpm soak [--minutes 10] [--scale 4] [--scenario name]... [--seed n] [--out file.json]
 *   ORDO_FAULT_SEED=123 ORDO_FAULT_SCENARIO=crash-restart pnpm soak   (rerun one failure)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { formatFailure, formatTable, violationCounts, type ScenarioOutcome } from './checker/report.js';
import { runScenario } from './runner/run-scenario.js';
import { seedFromEnv } from './runner/seed.js';
import { SCENARIOS, scenarioNamed } from './scenarios/index.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: process.env.ORDO_FAULT_MINUTES ?? '10' },
    scale: { type: 'string', default: process.env.ORDO_FAULT_SCALE ?? '4' },
    scenario: {
      type: 'string',
      multiple: true,
      default: process.env.ORDO_FAULT_SCENARIO ? [process.env.ORDO_FAULT_SCENARIO] : [],
    },
    seed: { type: 'string', default: process.env.ORDO_FAULT_SEED },
    out: { type: 'string', default: 'faults/results/soak.json' },
  },
  strict: true,
});
/** Progress and results go to stdout (the table is the point of the command). */
const say = (text: string) => process.stdout.write(`${text}\n`);
const scale = Number(values.scale);
const deadline = Date.now() + Number(values.minutes) * 60_000;
const scenarios = values.scenario.length ? values.scenario.map(scenarioNamed) : SCENARIOS;
const fixedSeed = values.seed === undefined ? undefined : seedFromEnv({ ORDO_FAULT_SEED: values.seed });

const outcomes: ScenarioOutcome[] = [];
do {
  for (const scenario of scenarios) {
    const seed = fixedSeed ?? seedFromEnv({});
    const scaled = { ...scenario, deadlineMs: scenario.deadlineMs * Math.max(1, scale) };
    say(`running ${scenario.name} with seed ${seed} at scale ${scale}…`);
    const outcome = await runScenario(scaled, { seed, scale: { events: scale, faults: scale } });
    outcomes.push(outcome);
    if (outcome.report.violations.length > 0) say(formatFailure(outcome));
  }
} while (fixedSeed === undefined && Date.now() < deadline);

say(`\n${formatTable(outcomes)}`);
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(
  values.out,
  `${JSON.stringify(
    outcomes.map((o) => ({
      scenario: o.scenario,
      seed: o.seed,
      scale,
      durationMs: o.durationMs,
      events: o.report.events,
      handled: o.report.handled,
      deadLettered: o.report.deadLettered,
      lost: o.report.lost,
      inversions: o.report.inversions,
      duplicates: o.report.duplicates,
      violations: violationCounts(o.report),
      firstViolations: o.report.violations.slice(0, 5).map((v) => `[${v.invariant}] ${v.message}`),
    })),
    null,
    2,
  )}\n`,
);
say(`figures written to ${values.out}`);
process.exit(outcomes.some((o) => o.report.violations.length > 0) ? 1 : 0);
