import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MockCluster } from '@ordo/kafka-mock';
import type { RdkafkaDriver } from '@ordo/rdkafka';
import type { FaultLog } from '../log/fault-log.js';
import type { ChildHandle } from './processes.js';
import type { ScenarioProducer } from './produce.js';
import type { Random } from './seed.js';
import type { ParkingLotConfig, RelayChildConfig, Sabotage } from './child-config.js';

/** Sizes of a run: the bounded set in `pnpm test` runs at 1, `pnpm soak` larger. */
export interface Scale {
  /** Multiplies event counts. */
  readonly events: number;
  /** Multiplies the number of faults (kills, error bursts). */
  readonly faults: number;
}

/** What a scenario's script gets to drive a run. */
export interface ScenarioContext {
  readonly seed: number;
  readonly random: Random;
  readonly scale: Scale;
  readonly cluster: MockCluster;
  /** The runner's own driver (admin, reading topics). */
  readonly driver: RdkafkaDriver;
  readonly topic: string;
  readonly groupId: string;
  readonly logDir: string;
  readonly log: FaultLog;
  readonly producer: ScenarioProducer;
  /** The parking lot consumers get by default (the scenario's table). */
  readonly parkingLotConfig: ParkingLotConfig;
  /** Starts (or restarts) consumer `n` as a new incarnation; `parkingLot` overrides the scenario's. */
  startConsumer(n: number, options?: { parkingLot?: ParkingLotConfig }): ChildHandle;
  /** The running incarnation of consumer `n`. */
  consumer(n: number): ChildHandle | undefined;
  /** Starts (or restarts) outbox relay `n` as a new incarnation. */
  startRelay(n: number, options: Omit<RelayChildConfig, 'proc' | 'logFile' | 'brokers'>): ChildHandle;
  /** The running incarnation of relay `n`. */
  relay(n: number): ChildHandle | undefined;
  /** Waits until every partition of the topic is committed up to its end. */
  drained(): Promise<void>;
  /** Resolves once consumers have reported this many dead letters (read from their logs). */
  deadLettered(count: number): Promise<void>;
  /** Records a note the deadline message shows (what the script was doing). */
  step(text: string): void;
  sleep(ms: number): Promise<void>;
}

/** A fault scenario: a script over consumer processes, producers and injected faults. */
export interface Scenario {
  readonly name: string;
  /** One line: what goes wrong and what must still hold. */
  readonly description: string;
  /** Runs in `pnpm test` (bounded set); all scenarios run in `pnpm soak`. */
  readonly bounded: boolean;
  readonly partitions: number;
  /** Dead letters on (poison events go to `<topic>.dead-letter`). @default true */
  readonly deadLetters?: boolean;
  /** Where consumers park keys. @default memory */
  readonly parkingLot?: 'memory' | 'postgres' | 'mysql';
  /** Consumers set aside too-large dead letters' values in a failed-message table on PostgreSQL. @default false */
  readonly failedMessages?: boolean;
  /** Handler time per event in ms. @default [0, 2] */
  readonly handlerMs?: readonly [number, number];
  /** The run fails with a `deadline` violation after this long. */
  readonly deadlineMs: number;
  /** A consumer variant that breaks a guarantee on purpose (checker tests). */
  readonly sabotage?: Sabotage;
  run(ctx: ScenarioContext): Promise<void>;
}

/** A fresh folder for one run's logs. */
export function newLogDir(name: string, seed: number): string {
  return mkdtempSync(join(tmpdir(), `ordo-faults-${name}-${seed}-`));
}
