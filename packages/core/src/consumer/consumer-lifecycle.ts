import { InvalidStateError } from '../errors.js';
import type { ConsumerState } from './consumer-events.js';

/** Allowed lifecycle transitions. A stopped consumer may be started again. */
const TRANSITIONS: Readonly<Record<ConsumerState, readonly ConsumerState[]>> = {
  idle: ['starting'],
  starting: ['running', 'stopped'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: ['starting'],
};

/**
 * The consumer's lifecycle as an explicit state machine; also the lifecycle of
 * whatever starts and stops consumers as one (the tsyringe integration's `Ordo`).
 */
export class ConsumerLifecycle {
  private current: ConsumerState = 'idle';

  /**
   * @param onChange called after each transition
   * @param subject what the lifecycle belongs to, named in errors
   */
  constructor(
    private readonly onChange: (from: ConsumerState, to: ConsumerState) => void = () => undefined,
    private readonly subject = 'Consumer',
  ) {}

  get state(): ConsumerState {
    return this.current;
  }

  can(to: ConsumerState): boolean {
    return TRANSITIONS[this.current].includes(to);
  }

  /** Moves to `to`, or throws `InvalidStateError` for a transition the table does not allow. */
  to(to: ConsumerState): void {
    if (!this.can(to)) throw new InvalidStateError(`${this.subject} cannot go from ${this.current} to ${to}`);
    const from = this.current;
    this.current = to;
    this.onChange(from, to);
  }
}
