/**
 * @ordo/core/testing: the driver conformance suite and helpers for tests of code
 * that uses Ordo. Needs vitest (an optional peer dependency).
 */
export { describeDriverConformance } from './conformance/describe-driver-conformance.js';
export type { ConformanceOptions } from './conformance/harness.js';
export { OrderingInvariant, type ProducedRef } from './invariants.js';
export { spyDriver, type SpiedDriver } from './spy-driver.js';
export { waitFor, randomDelay } from './wait-for.js';
export { KAFKA_MURMUR2_VECTORS, KAFKA_STREAMS_PLACEMENTS_3, javaPartition } from './kafka-vectors.js';
export { deadLetterScenarios } from './dead-letter-scenarios.js';
export { checkPublishedOrder, type PublishedEvent, type PublishedOrderReport } from './outbox-order.js';
export { startCuttableProxy, throughProxy, targetOf, type CuttableProxy } from './cuttable-proxy.js';
