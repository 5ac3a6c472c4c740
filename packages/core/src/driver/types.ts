import type { OrdoError } from '../errors.js';
import type { RawHeaders } from '../message/headers.js';

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A position in a partition. For commits, `offset` is the next offset to read (Kafka's convention). */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

/** A record handed to a driver to send. */
export interface ProducerRecord {
  readonly topic: string;
  /**
   * A string key is UTF-8. The producer passes message keys as strings: a record waits
   * in memory until its acknowledgement, and a Buffer would add a heap object of about
   * a hundred bytes per in-flight record for the garbage collector to copy.
   */
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: RawHeaders;
  /**
   * Explicit partition. Without it, drivers place keyed records exactly like Kafka's
   * Java client (murmur2, O5) and spread keyless ones.
   */
  readonly partition?: number;
  /** Epoch milliseconds; the send time when absent. */
  readonly timestamp?: number;
}

/** Where the broker stored an acknowledged record. */
export interface DeliveryReport {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A record as read from a partition. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RawHeaders;
  readonly timestamp: number;
}

/** Records of one partition, in offset order. */
export interface RecordBatch extends TopicPartition {
  readonly records: readonly ConsumedRecord[];
}

/** Low (first readable) and high (next to be written) offsets of a partition. */
export interface Watermarks {
  readonly low: number;
  readonly high: number;
}

/** A topic and its partition count. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

/**
 * What a driver can do beyond the required interface. Callers read these flags
 * instead of guessing from the driver's class.
 */
export interface DriverCapabilities {
  /** `ensureTopics` can create topics with any partition count. */
  readonly createTopics: boolean;
  /** Rebalances move only the partitions that change owner (cooperative), not all of them. */
  readonly incrementalRebalance: boolean;
  /** Largest record (key + value + headers) the driver accepts, in bytes. */
  readonly maxRecordBytes: number;
  /** Faults can be injected (failed sends, member crashes, stalled partitions). */
  readonly faultInjection: boolean;
  /**
   * Header values may be any bytes. Without it, only UTF-8 text without NUL survives
   * (node-rdkafka's binding), and other values are refused with `InvalidMessageError`.
   */
  readonly binaryHeaders: boolean;
}

/** Sends records and resolves once the broker has acknowledged them. */
export interface DriverProducer {
  connect(): Promise<void>;
  /**
   * Sends records and resolves with one report per record, in input order, once all
   * are acknowledged. Records for one partition are stored in the order given, with
   * no duplicates from internal retries (idempotent). Rejects with a `DeliveryError`
   * whose `outcomes` say, per record, whether it is written, not written or unknown
   * (empty when the driver cannot tell: every record is then `unknown`). A driver
   * whose client dies for good renews it, so that a later send can succeed.
   */
  send(records: readonly ProducerRecord[]): Promise<DeliveryReport[]>;
  disconnect(): Promise<void>;
}

/** Callbacks through which a driver consumer reports assignments and records. */
export interface ConsumerListener {
  /** Partitions now owned by this member; records for them follow. */
  onAssign(partitions: readonly TopicPartition[]): void | Promise<void>;
  /**
   * Partitions about to move to another member. The driver waits for the returned
   * promise before releasing them, so the engine can drain and commit first.
   */
  onRevoke(partitions: readonly TopicPartition[]): Promise<void>;
  /**
   * Partitions lost without a chance to commit (the member was fenced or its session
   * expired). Their in-flight work must not be committed.
   */
  onLost(partitions: readonly TopicPartition[]): void;
  /** Records of one assigned partition, in offset order. */
  onRecords(batch: RecordBatch): void;
  /** An asynchronous driver error that no call can reject with. */
  onError(error: OrdoError): void;
}

/** Options of a driver consumer. */
export interface DriverConsumerOptions {
  readonly groupId: string;
  /** Where a group with no committed offset starts. @default 'earliest' */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /**
   * Most records in one batch. The engine asks for batches no larger than its
   * per-partition buffer, so one batch past the limit at most arrives before a pause.
   * @default 500
   */
  readonly maxBatchSize?: number;
  /** Client id shown by the broker; a generated one when absent. */
  readonly clientId?: string;
}

/**
 * A member of a consumer group. Offsets are never committed automatically: only
 * through {@link DriverConsumer.commit}, so that the engine decides what is done (O2).
 */
export interface DriverConsumer {
  /** This member's id in its group once subscribed; `''` before. */
  readonly memberId: string;
  /** Joins the group for these topics; assignments and records arrive on the listener. */
  subscribe(topics: readonly string[], listener: ConsumerListener): Promise<void>;
  /**
   * Stops delivery from these partitions: once `pause()` returns, no record of theirs
   * reaches `onRecords` until `resume()`, even one the driver had already fetched (it
   * holds such records, or fetches them again). Records already delivered stay
   * delivered. Backpressure relies on this to bound what the engine holds. A pause
   * ends with the assignment: a partition assigned again starts unpaused.
   */
  pause(partitions: readonly TopicPartition[]): void;
  /**
   * Delivers from these partitions again, starting with the first record not yet
   * delivered: none is skipped or repeated because of the pause.
   */
  resume(partitions: readonly TopicPartition[]): void;
  /** Moves the fetch position of an owned partition; the next batch starts there. */
  seek(position: TopicPartitionOffset): void;
  /** Commits next-to-read offsets for the group. Rejects with `NotMemberError` once fenced. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Partitions currently owned. */
  assignment(): TopicPartition[];
  /** Leaves the group gracefully: revokes (awaiting `onRevoke`), then disconnects. */
  disconnect(): Promise<void>;
}

/** Topic and group administration. */
export interface DriverAdmin {
  /** Creates missing topics; never deletes or shrinks. Existing topics keep their count. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Partition counts; rejects with `UnknownTopicError` for a missing topic. */
  describeTopics(names: readonly string[]): Promise<TopicSpec[]>;
  /** Committed next-to-read offsets of a group for a topic; `-1` where none. */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
  watermarks(topic: string, partition: number): Promise<Watermarks>;
}

/**
 * The seam between Ordo and a Kafka client. One folder per driver implements it;
 * every driver passes `describeDriverConformance` from `@ordo/core/testing`.
 */
export interface KafkaDriver {
  /** Short name for logs, e.g. `memory` or `rdkafka`. */
  readonly name: string;
  readonly capabilities: DriverCapabilities;
  createProducer(): DriverProducer;
  createConsumer(options: DriverConsumerOptions): DriverConsumer;
  admin(): DriverAdmin;
}
