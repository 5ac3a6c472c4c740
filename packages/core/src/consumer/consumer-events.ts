import type { TopicPartition, TopicPartitionOffset } from '../driver/types.js';
import type { OrdoError } from '../errors.js';
import type { DeadLetterReason } from '../dead-letter/dead-letter-headers.js';
import type { ConsumedEvent } from '../message/message.js';

/** Where a record sits, for events about records that may not decode. */
export interface RecordRef extends TopicPartition {
  readonly offset: number;
  readonly key: string | null;
}

/** Events a consumer emits, for logs and metrics. */
export interface ConsumerEvents {
  /** A handler finished an event. */
  handled: { readonly event: ConsumedEvent; readonly attempts: number; readonly durationMs: number };
  /** A handler failed and will be tried again after `delayMs`. */
  retrying: { readonly record: RecordRef; readonly attempt: number; readonly delayMs: number; readonly error: unknown };
  /**
   * An event failed for good (retries exhausted or not retriable). With dead letters
   * on, `dead-lettered` follows once it is written. Without, its key lane stops there:
   * later events of the key wait, other keys go on (O1, O3), and its offset is not
   * committed (O2).
   */
  failed: { readonly record: RecordRef; readonly attempts: number; readonly error: OrdoError };
  /** An event went to its dead-letter topic; its key is parked until resolved. */
  'dead-lettered': {
    readonly record: RecordRef;
    readonly reason: DeadLetterReason;
    readonly deadLetterTopic: string;
    readonly deadLetterOffset: number;
  };
  /** Dead-lettering became the norm on a topic: it stopped, partitions paused, failures retry in place (O4). */
  'breaker-open': { readonly topic: string; readonly deadLettersLastMinute: number };
  /** The breaker let a probe through. */
  'breaker-half-open': { readonly topic: string };
  /** A handler succeeded again: dead-lettering resumes, partitions resume. */
  'breaker-closed': { readonly topic: string };
  /** An event was skipped by policy (`onUnknownType: 'skip'`). */
  skipped: { readonly record: RecordRef; readonly reason: string };
  /** Offsets were committed. */
  committed: { readonly offsets: readonly TopicPartitionOffset[] };
  /** Partitions were assigned, revoked or lost. */
  rebalanced: {
    readonly assigned: readonly TopicPartition[];
    readonly revoked: readonly TopicPartition[];
    readonly lost: readonly TopicPartition[];
  };
  /** A partition was paused (buffer full) or resumed (buffer drained). */
  backpressure: { readonly partition: TopicPartition; readonly paused: boolean; readonly buffered: number };
  /**
   * An error no call could reject with (a failed commit, a driver error, a dead letter
   * or parking-lot step that failed and is retried). `record` names the record it
   * holds up, when there is one: its key lane and its partition's commits wait.
   */
  error: { readonly error: OrdoError; readonly record?: RecordRef };
  /** The lifecycle state changed. */
  state: { readonly from: ConsumerState; readonly to: ConsumerState };
}

/** Lifecycle states of a consumer. */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
