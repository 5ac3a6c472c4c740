import type { Scenario } from '../runner/scenario.js';
import { binaryKeys } from './binary-keys.js';
import { brokerFaults } from './broker-faults.js';
import { crashRestart } from './crash-restart.js';
import { fatalProducer } from './fatal-producer.js';
import { parkingDbLost } from './parking-db-lost.js';
import { relayCrashMariadb, relayCrashPostgres } from './relay-crash.js';
import { scaleOutIn } from './scale-out-in.js';
import { unwritableDeadLetters } from './unwritable-dead-letters.js';

/** Every fault scenario, in the order the suite runs them. */
export const SCENARIOS: readonly Scenario[] = [
  crashRestart,
  brokerFaults,
  scaleOutIn,
  relayCrashPostgres,
  relayCrashMariadb,
  binaryKeys,
  fatalProducer,
  parkingDbLost,
  unwritableDeadLetters,
];

/** A scenario by name; throws with the list of names when there is none. */
export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no fault scenario "${name}"; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}
