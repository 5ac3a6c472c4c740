/** The invariants the checker enforces, named after DESIGN.md's guarantees. */
export type Invariant =
  /** O1: a key's event handled before its predecessor was handled (or while the key was parked). */
  | 'O1-order'
  /** O2: an acknowledged event neither handled nor durably dead-lettered. */
  | 'O2-lost'
  /** O2 at commit time: an offset committed before everything below it was handled or dead-lettered. */
  | 'commit-before-handled'
  /** A key in flight in two handler calls at once (two live processes, or twice in one). */
  | 'in-flight-twice'
  /** O6: a duplicate not explained by a crash or rebalance, or of work already committed. */
  | 'O6-duplicate'
  /** O3: a key parked (dead-lettered as `parked`) although none of its own events failed. */
  | 'O3-parked-innocent'
  /** O7: the relay published a key's rows out of insertion order, or lost one. */
  | 'O7-outbox-order'
  /** A process exited by itself (not killed, not asked to stop): an error took it down. */
  | 'process-crashed'
  /** The scenario did not finish within its deadline (the symptom, with where it stood). */
  | 'deadline';

/** One broken guarantee, with what is needed to debug it. */
export interface Violation {
  readonly invariant: Invariant;
  readonly message: string;
  /** Topic and hex key, when one key is concerned. */
  readonly key?: string;
  readonly partition?: number;
  readonly offsets?: readonly number[];
  readonly procs?: readonly string[];
}

/** Figures of a run, per scenario: what the report table shows. */
export interface RunFigures {
  /** Events in the source topic(s) (or outbox rows for a relay scenario). */
  readonly events: number;
  /** Events handled successfully at least once. */
  readonly handled: number;
  /** Events durably in a dead-letter topic. */
  readonly deadLettered: number;
  readonly lost: number;
  readonly inversions: number;
  /** Extra successful handlings (or extra publications, for the relay). */
  readonly duplicates: number;
}

/** What the checker found over one run. */
export interface CheckReport extends RunFigures {
  readonly violations: readonly Violation[];
}
