import type { FaultRecord } from '../log/records.js';
import {
  checkCommits,
  checkDuplicates,
  checkKeyOrder,
  checkNoLoss,
  checkParkedKeys,
  checkProcessExits,
  checkSingleFlight,
} from './consumer-checks.js';
import { checkOutboxOrder } from './outbox-order-check.js';
import { indexRun } from './run-index.js';
import type { CheckReport, Violation } from './violation.js';

/** O7: a relay repeats rows only after a crash (a relay killed before deleting what it sent). */
function checkRepeatsNeedACrash(records: readonly FaultRecord[], repeats: number): Violation[] {
  if (repeats === 0 || records.some((r) => r.kind === 'killed')) return [];
  return [
    {
      invariant: 'O7-outbox-order',
      message: `${repeats} row(s) published more than once although no relay crashed`,
    },
  ];
}

/**
 * Checks every invariant over the records of a run (all processes' logs together):
 * per-key order, no loss, commits after handling, single flight per key, explained
 * duplicates, no innocent parked key, and, when outbox rows were inserted, O7.
 */
export function checkRun(records: readonly FaultRecord[], extra: readonly Violation[] = []): CheckReport {
  const inserted = records.filter((r) => r.kind === 'inserted');
  if (inserted.length > 0) {
    const outbox = checkOutboxOrder(
      inserted,
      records.filter((r) => r.kind === 'published'),
    );
    return {
      events: outbox.events,
      handled: outbox.published - outbox.repeats,
      deadLettered: 0,
      lost: outbox.lost,
      inversions: outbox.inversions,
      duplicates: outbox.repeats,
      violations: [
        ...extra,
        ...outbox.violations,
        ...checkRepeatsNeedACrash(records, outbox.repeats),
        ...checkProcessExits(records),
      ],
    };
  }
  const index = indexRun(records);
  const loss = checkNoLoss(index);
  const order = checkKeyOrder(index);
  const duplicates = checkDuplicates(index);
  return {
    events: index.events.size,
    handled: index.okCalls.size,
    deadLettered: index.deadLetters.size,
    lost: loss.lost,
    inversions: order.length,
    duplicates: duplicates.duplicates,
    violations: [
      ...extra,
      ...loss.violations,
      ...order,
      ...checkCommits(index),
      ...checkSingleFlight(index),
      ...duplicates.violations,
      ...checkParkedKeys(index),
      ...checkProcessExits(records),
    ],
  };
}
