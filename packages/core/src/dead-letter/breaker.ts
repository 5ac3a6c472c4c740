import { InvalidConfigError } from '../errors.js';

/** When dead-lettering itself becomes the norm, stop and block instead (O4). */
export interface BreakerConfig {
  /** Dead letters per minute (per topic) that open the breaker. @default 100 */
  readonly maxDeadLettersPerMinute?: number;
  /** First wait before a half-open probe. @default 1_000 */
  readonly initialOpenMs?: number;
  /** Longest wait between probes; the wait doubles after each failed probe. @default 30_000 */
  readonly maxOpenMs?: number;
}

/** Breaker states: `closed` dead-letters; `open` blocks and retries in place; `half-open` lets one probe through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

const TRANSITIONS: Readonly<Record<BreakerState, readonly BreakerState[]>> = {
  closed: ['open'],
  open: ['half-open', 'closed'],
  'half-open': ['closed', 'open'],
};

const WINDOW_MS = 60_000;

/** Resolved breaker settings. */
export interface ResolvedBreakerConfig {
  readonly maxDeadLettersPerMinute: number;
  readonly initialOpenMs: number;
  readonly maxOpenMs: number;
}

/** Fills defaults and validates. */
export function resolveBreakerConfig(config: BreakerConfig = {}, field: string): ResolvedBreakerConfig {
  const resolved = {
    maxDeadLettersPerMinute: config.maxDeadLettersPerMinute ?? 100,
    initialOpenMs: config.initialOpenMs ?? 1_000,
    maxOpenMs: config.maxOpenMs ?? 30_000,
  };
  if (!Number.isInteger(resolved.maxDeadLettersPerMinute) || resolved.maxDeadLettersPerMinute < 1) {
    throw new InvalidConfigError(`${field}.maxDeadLettersPerMinute`, 'must be a positive integer');
  }
  if (!(resolved.initialOpenMs > 0)) throw new InvalidConfigError(`${field}.initialOpenMs`, 'must be > 0');
  if (!(resolved.maxOpenMs >= resolved.initialOpenMs)) {
    throw new InvalidConfigError(`${field}.maxOpenMs`, 'must be >= initialOpenMs');
  }
  return resolved;
}

/**
 * The breaker of one topic: a sliding one-minute count of dead letters. Past the
 * threshold it opens: nothing more is dead-lettered, failing events retry in place and
 * the topic's partitions are paused. After a wait, one retry is the half-open probe:
 * success closes the breaker, failure reopens it with a doubled wait.
 */
export class Breaker {
  private current: BreakerState = 'closed';
  private readonly deadLetters: number[] = [];
  private openMs: number;
  private probeAt = 0;

  constructor(
    readonly topic: string,
    private readonly config: ResolvedBreakerConfig,
    private readonly onChange: (from: BreakerState, to: BreakerState, breaker: Breaker) => void,
  ) {
    this.openMs = config.initialOpenMs;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Dead letters counted in the last minute. */
  get recentDeadLetters(): number {
    this.prune(Date.now());
    return this.deadLetters.length;
  }

  /** Whether a failed event may be dead-lettered now. */
  allowsDeadLetter(): boolean {
    return this.current === 'closed';
  }

  recordDeadLetter(now = Date.now()): void {
    this.deadLetters.push(now);
    this.prune(now);
    if (this.current === 'closed' && this.deadLetters.length >= this.config.maxDeadLettersPerMinute) {
      this.openMs = this.config.initialOpenMs;
      this.probeAt = now + this.openMs;
      this.to('open');
    }
  }

  /** How long a failed event waits before its next try while the breaker is not closed. */
  retryDelayMs(now = Date.now()): number {
    return Math.max(0, this.probeAt - now);
  }

  /** Called before a retry while open; true when this try is the half-open probe. */
  beforeRetry(now = Date.now()): void {
    if (this.current === 'open' && now >= this.probeAt) this.to('half-open');
  }

  /** A handler succeeded on this topic. */
  recordSuccess(): void {
    if (this.current === 'closed') return;
    this.deadLetters.length = 0;
    this.to('closed');
  }

  /** A retry failed while not closed. */
  recordFailure(now = Date.now()): void {
    if (this.current !== 'half-open') return;
    this.openMs = Math.min(this.openMs * 2, this.config.maxOpenMs);
    this.probeAt = now + this.openMs;
    this.to('open');
  }

  private to(next: BreakerState): void {
    if (!TRANSITIONS[this.current].includes(next)) return;
    const from = this.current;
    this.current = next;
    this.onChange(from, next, this);
  }

  private prune(now: number): void {
    while (this.deadLetters.length > 0 && this.deadLetters[0]! <= now - WINDOW_MS) this.deadLetters.shift();
  }
}
