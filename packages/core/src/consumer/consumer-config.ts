import type { ContractRegistry } from '../contracts/contract-registry.js';
import type { KafkaDriver } from '../driver/types.js';
import {
  resolveDeadLetterConfig,
  type DeadLetterConfig,
  type ResolvedDeadLetterConfig,
} from '../dead-letter/dead-letter-config.js';
import { InvalidConfigError } from '../errors.js';
import { consoleLogger, type Logger } from '../internal/logger.js';
import { resolveRetryPolicy, type RetryConfig, type RetryPolicy } from '../internal/retry-policy.js';
import { jsonCodec, type Codec } from '../message/json-codec.js';
import { isValidTopicName } from '../message/topic-name.js';
import { validateGroupId } from './group-id.js';

/** How events are spread over concurrent handlers. */
export interface ConcurrencyConfig {
  /**
   * `key`: one FIFO lane per key, lanes run in parallel (O1 per key).
   * `partition`: one lane per partition, strict partition order.
   * @default 'key'
   */
  readonly mode?: 'key' | 'partition';
  /** Handler calls running at once, across all partitions. @default 64 */
  readonly maxInFlight?: number;
}

/** Configuration of {@link createConsumer}. */
export interface ConsumerConfig {
  readonly driver: KafkaDriver;
  /** Consumer group; members of one group share the partitions. */
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly concurrency?: ConcurrencyConfig;
  /** @default { attempts: 3, backoff: { initialMs: 200, maxMs: 10_000, jitter: 'equal' } } */
  readonly retry?: RetryConfig;
  /** Contracts to validate consumed values against. @default none */
  readonly contracts?: ContractRegistry;
  /** @default jsonCodec */
  readonly codec?: Codec;
  /**
   * What to do with an event type no handler is registered for. `fail`: the event
   * fails (its key lane stops, a `failed` event is raised); `skip`: logged and done.
   * @default 'fail'
   */
  readonly onUnknownType?: 'fail' | 'skip';
  /** Records buffered per partition before the partition is paused. @default 1000 */
  readonly maxBufferedPerPartition?: number;
  /** How often completed offsets are committed. @default 500 */
  readonly commitIntervalMs?: number;
  /** On revoke, how long in-flight work may finish before it is abandoned. @default 10_000 */
  readonly revokeTimeoutMs?: number;
  /** On `stop()`, how long in-flight work may finish before it is abandoned. @default 30_000 */
  readonly shutdownTimeoutMs?: number;
  /** Where a new group starts reading. @default 'earliest' */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** @default consoleLogger (warnings and errors only) */
  readonly logger?: Logger;
  /**
   * Dead letters: events that fail for good go to `<topic>.dead-letter` and park their
   * key; the breaker stops that when it becomes the norm.
   * @default { enabled: false } (a failed event stops its key's lane)
   */
  readonly deadLetter?: DeadLetterConfig;
}

/** A {@link ConsumerConfig} with defaults filled and values checked. */
export interface ResolvedConsumerConfig {
  readonly driver: KafkaDriver;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly mode: 'key' | 'partition';
  readonly maxInFlight: number;
  readonly retry: RetryPolicy;
  readonly contracts: ContractRegistry | undefined;
  readonly codec: Codec;
  readonly onUnknownType: 'fail' | 'skip';
  readonly maxBufferedPerPartition: number;
  readonly commitIntervalMs: number;
  readonly revokeTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly logger: Logger;
  readonly deadLetter: ResolvedDeadLetterConfig | undefined;
}

/** Fills defaults and validates; throws `InvalidConfigError` naming the field. */
export function resolveConsumerConfig(config: ConsumerConfig): ResolvedConsumerConfig {
  if (!config?.driver) throw new InvalidConfigError('driver', 'is required');
  validateGroupId(config.groupId, 'groupId');
  if (!Array.isArray(config.topics) || config.topics.length === 0) {
    throw new InvalidConfigError('topics', 'must list at least one topic');
  }
  for (const t of config.topics) {
    if (!isValidTopicName(t)) {
      throw new InvalidConfigError(
        'topics',
        `${JSON.stringify(t)} is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -, not "." or "..")`,
      );
    }
  }
  const deadLetter = resolveDeadLetterConfig(config.deadLetter);
  if (deadLetter) {
    for (const t of config.topics) {
      const name = deadLetter.topicName(t);
      if (!isValidTopicName(name)) {
        throw new InvalidConfigError(
          'deadLetter.topicName',
          `${JSON.stringify(name)} (for "${t}") is not a Kafka topic name`,
        );
      }
    }
  }
  const mode = config.concurrency?.mode ?? 'key';
  if (mode !== 'key' && mode !== 'partition') {
    throw new InvalidConfigError('concurrency.mode', "must be 'key' or 'partition'");
  }
  const onUnknownType = config.onUnknownType ?? 'fail';
  if (onUnknownType !== 'fail' && onUnknownType !== 'skip') {
    throw new InvalidConfigError('onUnknownType', "must be 'fail' or 'skip'");
  }
  const autoOffsetReset = config.autoOffsetReset ?? 'earliest';
  if (autoOffsetReset !== 'earliest' && autoOffsetReset !== 'latest') {
    throw new InvalidConfigError('autoOffsetReset', "must be 'earliest' or 'latest'");
  }
  return {
    driver: config.driver,
    groupId: config.groupId,
    topics: [...new Set(config.topics)],
    mode,
    maxInFlight: positiveInt(config.concurrency?.maxInFlight ?? 64, 'concurrency.maxInFlight'),
    retry: resolveRetryPolicy(config.retry),
    contracts: config.contracts,
    codec: config.codec ?? jsonCodec,
    onUnknownType,
    maxBufferedPerPartition: positiveInt(config.maxBufferedPerPartition ?? 1000, 'maxBufferedPerPartition'),
    commitIntervalMs: nonNegative(config.commitIntervalMs ?? 500, 'commitIntervalMs'),
    revokeTimeoutMs: nonNegative(config.revokeTimeoutMs ?? 10_000, 'revokeTimeoutMs'),
    shutdownTimeoutMs: nonNegative(config.shutdownTimeoutMs ?? 30_000, 'shutdownTimeoutMs'),
    autoOffsetReset,
    logger: config.logger ?? consoleLogger,
    deadLetter,
  };
}

function positiveInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1) throw new InvalidConfigError(field, 'must be a positive integer');
  return value;
}

function nonNegative(value: number, field: string): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new InvalidConfigError(field, 'must be a finite number >= 0');
  }
  return value;
}
