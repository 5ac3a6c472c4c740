/** Where a child keeps parked keys. */
export type ParkingLotConfig =
  { readonly kind: 'memory' } | { readonly kind: 'postgres' | 'mysql'; readonly url: string; readonly table: string };

/** A failed-message table on PostgreSQL. */
export interface FailedMessagesConfig {
  readonly url: string;
  readonly table: string;
}

/** What a consumer child process runs, passed as JSON in `ORDO_FAULT_CHILD`. */
export interface ConsumerChildConfig {
  /** This incarnation's name in the logs, e.g. `consumer-1#2`. */
  readonly proc: string;
  readonly logFile: string;
  readonly brokers: string;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** Seeds the handler's delays. */
  readonly seed: number;
  /** Handler time per event, in ms: a uniform pick in [min, max]. */
  readonly handlerMs: readonly [number, number];
  readonly maxInFlight: number;
  readonly deadLetters: boolean;
  readonly parkingLot: ParkingLotConfig;
  /** A failed-message store for dead letters too large to write (`deadLetter.failedMessages`), on PostgreSQL. */
  readonly failedMessages?: FailedMessagesConfig;
  /** A consumer variant that breaks a guarantee on purpose, to show that the checker bites. */
  readonly sabotage?: Sabotage;
}

/** What a relay child process runs. */
export interface RelayChildConfig {
  readonly proc: string;
  readonly logFile: string;
  readonly brokers: string;
  readonly database: 'postgres' | 'mysql';
  readonly url: string;
  readonly tables: { readonly outbox: string; readonly failed: string; readonly inbox: string };
  readonly batchSize: number;
  /** Kill itself (SIGKILL) right after this many acknowledged batches, before their rows are deleted. */
  readonly dieAfterAcknowledged?: number;
}

/** The environment variable that carries a child's JSON config. */
export const CHILD_CONFIG_ENV = 'ORDO_FAULT_CHILD';

/** The value every scenario event carries: its key in hex (keys may be binary) and whether it is poison. */
export interface FaultEventValue {
  readonly k: string;
  readonly n: number;
  readonly poison: boolean;
}

/** The one event type scenarios publish. */
export const FAULT_EVENT_TYPE = 'fault-event';

/**
 * A consumer variant that breaks a guarantee on purpose, to show that the checker bites:
 * `swap-records` hands the engine two records of one key in the wrong order, once;
 * `drop-record` hides one record from the engine; `unwritten-dead-letters` acknowledges
 * dead-letter writes without writing them, so the consumer commits over dead letters
 * that are not durable (the commit-before-acknowledgement bug).
 */
export type Sabotage = 'swap-records' | 'drop-record' | 'unwritten-dead-letters';
