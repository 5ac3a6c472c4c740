export { createConsumer, type Consumer } from './consumer.js';
export type { ConsumerConfig, ConcurrencyConfig } from './consumer-config.js';
export { ConsumerLifecycle } from './consumer-lifecycle.js';
export type { ConsumerEvents, ConsumerState, RecordRef } from './consumer-events.js';
export type { EventHandler, HandlerContext } from './handler-registry.js';
export { OffsetTracker } from './offset-tracker.js';
