import { InvalidConfigError } from '../errors.js';
import type { FailedMessageStore } from '../outbox/failed/failed-message.js';
import { resolveBreakerConfig, type BreakerConfig, type ResolvedBreakerConfig } from './breaker.js';
import { MemoryParkingLot, type ParkingLot } from './parking-lot.js';

/** Dead-letter settings of a consumer. */
export interface DeadLetterConfig {
  /** Route events that exhaust their retries to a dead-letter topic. @default false */
  readonly enabled: boolean;
  /** The dead-letter topic of a source topic. @default (topic) => `${topic}.dead-letter` */
  readonly topicName?: (topic: string) => string;
  /** Where parked keys are kept. @default a new MemoryParkingLot */
  readonly parkingLot?: ParkingLot;
  /** The breaker (O4), with per-topic thresholds in `perTopic`. @default { maxDeadLettersPerMinute: 100 } */
  readonly breaker?: BreakerConfig & { readonly perTopic?: Readonly<Record<string, BreakerConfig>> };
  /**
   * Where a dead letter too large for the dead-letter producer is kept whole; a dead
   * letter without the value, naming the stored one, takes its place. Without a store
   * such a record blocks its partition, reported by repeated `error` events
   * (docs/dead-letters.md). @default undefined
   */
  readonly failedMessages?: FailedMessageStore;
}

/** Resolved dead-letter settings. */
export interface ResolvedDeadLetterConfig {
  readonly topicName: (topic: string) => string;
  readonly parkingLot: ParkingLot;
  readonly failedMessages: FailedMessageStore | undefined;
  breakerFor(topic: string): ResolvedBreakerConfig;
}

/** Fills defaults and validates; `undefined` when dead letters are off. */
export function resolveDeadLetterConfig(config: DeadLetterConfig | undefined): ResolvedDeadLetterConfig | undefined {
  if (!config?.enabled) return undefined;
  const topicName = config.topicName ?? ((topic: string) => `${topic}.dead-letter`);
  if (typeof topicName !== 'function') throw new InvalidConfigError('deadLetter.topicName', 'must be a function');
  const { perTopic = {}, ...defaults } = config.breaker ?? {};
  const base = resolveBreakerConfig(defaults, 'deadLetter.breaker');
  const overrides = new Map(
    Object.entries(perTopic).map(([topic, c]) => [
      topic,
      resolveBreakerConfig({ ...defaults, ...c }, `deadLetter.breaker.perTopic.${topic}`),
    ]),
  );
  return {
    topicName,
    parkingLot: config.parkingLot ?? new MemoryParkingLot(),
    failedMessages: config.failedMessages,
    breakerFor: (topic) => overrides.get(topic) ?? base,
  };
}
