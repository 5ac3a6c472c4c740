import { afterEach, beforeEach, describe } from 'vitest';
import type { KafkaDriver } from '../../driver/types.js';
import { adminTests } from './admin.js';
import { crashTests } from './crash.js';
import type { ConformanceContext, ConformanceOptions } from './harness.js';
import { orderingTests } from './ordering.js';
import { pauseResumeTests } from './pause-resume.js';
import { placementTests } from './placement.js';
import { rebalanceTests } from './rebalance.js';
import { restartTests } from './restart.js';
import { roundTripTests } from './round-trip.js';

/**
 * The one suite every driver must pass; passing it is what "swappable" means.
 * Covers: per-key order under concurrency, at-least-once across a member crash,
 * partitions moving in a rebalance with no loss, restart at the committed offset,
 * pause/resume, murmur2 placement, headers, null keys and 1 MiB values, and the
 * admin's committed offsets (-1 where nothing is committed).
 *
 * @example
 * describeDriverConformance('InMemoryKafka', () => new InMemoryKafka(), {
 *   crash: (kafka, consumer) => (kafka as InMemoryKafka).crash(consumer),
 * });
 */
export function describeDriverConformance(
  name: string,
  makeDriver: () => KafkaDriver | Promise<KafkaDriver>,
  options: ConformanceOptions,
): void {
  describe(`driver conformance: ${name}`, () => {
    let context: ConformanceContext | undefined;
    beforeEach(async () => {
      context = { driver: await makeDriver(), timeoutMs: options.timeoutMs ?? 10_000, options };
    });
    afterEach(async () => {
      if (context) await options.cleanup?.(context.driver);
      context = undefined;
    });
    const ctx = (): ConformanceContext => context!;
    roundTripTests(ctx);
    placementTests(ctx);
    orderingTests(ctx);
    restartTests(ctx);
    pauseResumeTests(ctx);
    crashTests(ctx);
    rebalanceTests(ctx);
    adminTests(ctx);
  });
}
