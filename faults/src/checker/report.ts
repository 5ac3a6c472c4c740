import type { CheckReport, Invariant } from './violation.js';

/** One scenario's outcome, as tables and JSON show it. */
export interface ScenarioOutcome {
  readonly scenario: string;
  readonly seed: number;
  readonly durationMs: number;
  readonly report: CheckReport;
  /** Where the run's logs are (kept when it failed). */
  readonly logDir?: string;
}

/** Violations counted per invariant. */
export function violationCounts(report: CheckReport): Partial<Record<Invariant, number>> {
  const counts: Partial<Record<Invariant, number>> = {};
  for (const v of report.violations) counts[v.invariant] = (counts[v.invariant] ?? 0) + 1;
  return counts;
}

/** The figures table printed at the end of a run: one row per scenario. */
export function formatTable(outcomes: readonly ScenarioOutcome[]): string {
  const header = [
    'scenario',
    'seed',
    'events',
    'handled',
    'dead',
    'lost',
    'inversions',
    'duplicates',
    'violations',
    's',
  ];
  const rows = outcomes.map((o) => [
    o.scenario,
    String(o.seed),
    String(o.report.events),
    String(o.report.handled),
    String(o.report.deadLettered),
    String(o.report.lost),
    String(o.report.inversions),
    String(o.report.duplicates),
    Object.entries(violationCounts(o.report))
      .map(([k, n]) => `${k}:${n}`)
      .join(' ') || '-',
    (o.durationMs / 1000).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A failure message: the seed to rerun with, then the first violations in full. */
export function formatFailure(outcome: ScenarioOutcome, limit = 12): string {
  const { report } = outcome;
  const lines = [
    `scenario ${outcome.scenario} FAILED with seed ${outcome.seed} ` +
      `(rerun: ORDO_FAULT_SEED=${outcome.seed} ORDO_FAULT_SCENARIO=${outcome.scenario} pnpm soak)`,
    `events ${report.events}, handled ${report.handled}, dead-lettered ${report.deadLettered}, lost ${report.lost}, ` +
      `inversions ${report.inversions}, duplicates ${report.duplicates}; violations: ${JSON.stringify(violationCounts(report))}`,
    ...report.violations.slice(0, limit).map((v) => `  [${v.invariant}] ${v.message}`),
  ];
  if (outcome.logDir) lines.splice(2, 0, `logs: ${outcome.logDir}`);
  if (report.violations.length > limit) lines.push(`  … and ${report.violations.length - limit} more`);
  return lines.join('\n');
}
