/**
 * @ordo/core: ordered Kafka messaging for Node.js.
 *
 * Producer, per-key consumer engine, JSON-Schema contracts, the driver seam and the
 * in-memory driver. The production driver lives in `@ordo/rdkafka`; test helpers and
 * the driver conformance suite in `@ordo/core/testing`.
 */
export * from './errors.js';
export * from './message/index.js';
export { partitionFor, murmur2, toPositive } from './partition/index.js';
export * from './driver/index.js';
export { InMemoryKafka, MemoryFaults, type InMemoryKafkaOptions, type CommitLogEntry } from './drivers/memory/index.js';
export * from './producer/index.js';
export * from './consumer/index.js';
export * from './contracts/index.js';
export type { RetryConfig, BackoffConfig } from './internal/retry-policy.js';
export { consoleLogger, silentLogger, type Logger } from './internal/logger.js';
export * from './dead-letter/index.js';
export * from './sql/index.js';
export * from './outbox/index.js';
