/**
 * The records of a fault-suite run, one JSON object per line. Every process appends to
 * its own file; the checker reads them all after the run. Offsets and keys always refer
 * to the source topic (dead letters carry their origin), keys are lowercase hex so that
 * binary keys that collide as UTF-8 text stay apart.
 */

/** Fields every record has: who wrote it and when (epoch ms, sub-millisecond). */
export interface RecordBase {
  /** The writing process incarnation, e.g. `consumer-1#2` (second start of consumer 1). */
  readonly proc: string;
  readonly t: number;
}

/** Where an event sits in its source topic. */
export interface EventCoordinates {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A handler call began (written before the handler's own work). */
export interface HandlerStart extends RecordBase, EventCoordinates {
  readonly kind: 'start';
  readonly key: string;
  readonly id: string;
}

/** A handler call finished: `ok` false when it threw. */
export interface HandlerEnd extends RecordBase, EventCoordinates {
  readonly kind: 'end';
  readonly key: string;
  readonly id: string;
  readonly ok: boolean;
}

/** A consumer reported a commit (`offset` is the next to read, Kafka's convention). */
export interface CommitRecord extends RecordBase, EventCoordinates {
  readonly kind: 'commit';
}

/** A consumer reported an event written to its dead-letter topic. */
export interface DeadLetteredRecord extends RecordBase, EventCoordinates {
  readonly kind: 'dead-lettered';
  readonly reason: string;
  /** Where the consumer was told its dead letter was written (same partition number). */
  readonly deadLetterOffset?: number;
}

/** A consumer's assignment changed. */
export interface RebalanceRecord extends RecordBase {
  readonly kind: 'rebalance';
  readonly assigned: readonly string[];
  readonly revoked: readonly string[];
  readonly lost: readonly string[];
}

/** A process reported an error event (for diagnosis; not a violation by itself). */
export interface ErrorRecord extends RecordBase {
  readonly kind: 'error';
  readonly code: string;
  readonly message: string;
}

/** The runner killed (SIGKILL) or saw the exit of a process incarnation. */
export interface ProcessEndRecord extends RecordBase {
  readonly kind: 'killed' | 'exited';
  /** The incarnation that ended. */
  readonly victim: string;
  /** For `exited`: the exit code or signal. */
  readonly status?: string;
  /** For `exited`: whether the runner had asked it to stop (SIGTERM). */
  readonly requested?: boolean;
  /** For `exited`: the last lines of its stderr. */
  readonly detail?: string;
}

/** The runner's producer got an acknowledgement for an event. */
export interface ProducedRecord extends RecordBase, EventCoordinates {
  readonly kind: 'produced';
  readonly key: string;
  readonly id: string;
  /** Whether handlers fail on this event for good (seeded). */
  readonly poison: boolean;
}

/** An event as it is in the source topic after the run (read back by the runner). */
export interface TopicRecord extends RecordBase, EventCoordinates {
  readonly kind: 'record';
  readonly key: string;
  readonly id: string;
}

/** A record of a dead-letter topic after the run, with its origin. */
export interface DeadLetterTopicRecord extends RecordBase, EventCoordinates {
  readonly kind: 'dead-letter';
  readonly key: string;
  readonly id: string;
  readonly reason: string;
  /** Its own offset in the dead-letter topic (same partition number): the order it was written in. */
  readonly deadLetterOffset: number;
  /**
   * Set when the dead letter was written without its value (too large): the failed-message
   * entry that must hold the value instead (`ordo-dl-failure-id`).
   */
  readonly failureId?: string;
}

/** An entry of the consumers' failed-message store after the run (values set aside there). */
export interface SetAsideRecord extends RecordBase {
  readonly kind: 'set-aside';
  readonly failureId: string;
  /** The `ordo-id` of the event whose value it holds. */
  readonly id: string;
  /** Bytes of the stored value. */
  readonly bytes: number;
}

/** An outbox row written (committed) by the runner, in insertion order per key. */
export interface InsertedRecord extends RecordBase {
  readonly kind: 'inserted';
  readonly key: string;
  readonly id: string;
}

/** A record the relay published, as read back from the topic in log order. */
export interface PublishedRecord extends RecordBase, EventCoordinates {
  readonly kind: 'published';
  readonly key: string;
  readonly id: string;
}

/** Anything a log line can hold. */
export type FaultRecord =
  | HandlerStart
  | HandlerEnd
  | CommitRecord
  | DeadLetteredRecord
  | RebalanceRecord
  | ErrorRecord
  | ProcessEndRecord
  | ProducedRecord
  | TopicRecord
  | DeadLetterTopicRecord
  | SetAsideRecord
  | InsertedRecord
  | PublishedRecord;

/** A record as written: its kind's fields without the common ones. */
export type RecordBody = FaultRecord extends infer R ? (R extends FaultRecord ? Omit<R, 'proc' | 't'> : never) : never;
