import { InvalidConfigError, isRetriable } from '../errors.js';

/** How long to wait between tries: exponential, capped, with jitter. */
export interface BackoffConfig {
  /** Delay before the second try. @default 200 */
  readonly initialMs?: number;
  /** Longest delay. @default 10_000 */
  readonly maxMs?: number;
  /** Growth per try. @default 2 */
  readonly multiplier?: number;
  /**
   * `equal`: half the delay fixed, half random (keeps a floor, breaks herds);
   * `full`: random between 0 and the delay; `none`: exact delays (tests).
   * @default 'equal'
   */
  readonly jitter?: 'equal' | 'full' | 'none';
}

/** When and how often to try again. */
export interface RetryConfig {
  /** Tries in all, the first included; 1 disables retries. @default 3 */
  readonly attempts?: number;
  readonly backoff?: BackoffConfig;
  /** Error classes never retried, whatever their `retriable` flag says. @default [] */
  readonly nonRetriable?: ReadonlyArray<abstract new (...args: never[]) => Error>;
  /** Final say on whether an error is worth another try. @default isRetriable */
  readonly isRetriable?: (error: unknown) => boolean;
}

/** A validated retry configuration. */
export interface RetryPolicy {
  readonly attempts: number;
  /** Whether an error after `attempt` tries (1-based) deserves another. */
  shouldRetry(error: unknown, attempt: number): boolean;
  /** Milliseconds to wait after the `attempt`-th failure. */
  delayMs(attempt: number): number;
}

/** Fills defaults and validates; throws `InvalidConfigError` naming the bad field. */
export function resolveRetryPolicy(config: RetryConfig = {}, field = 'retry'): RetryPolicy {
  const attempts = config.attempts ?? 3;
  const initialMs = config.backoff?.initialMs ?? 200;
  const maxMs = config.backoff?.maxMs ?? 10_000;
  const multiplier = config.backoff?.multiplier ?? 2;
  const jitter = config.backoff?.jitter ?? 'equal';
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidConfigError(`${field}.attempts`, 'must be an integer of at least 1');
  }
  if (!(initialMs >= 0)) throw new InvalidConfigError(`${field}.backoff.initialMs`, 'must be >= 0');
  if (!(maxMs >= initialMs)) throw new InvalidConfigError(`${field}.backoff.maxMs`, 'must be >= initialMs');
  if (!(multiplier >= 1)) throw new InvalidConfigError(`${field}.backoff.multiplier`, 'must be >= 1');
  if (!['equal', 'full', 'none'].includes(jitter)) {
    throw new InvalidConfigError(`${field}.backoff.jitter`, "must be 'equal', 'full' or 'none'");
  }
  const nonRetriable = config.nonRetriable ?? [];
  const retriable = config.isRetriable ?? isRetriable;
  return {
    attempts,
    shouldRetry: (error, attempt) =>
      attempt < attempts && !nonRetriable.some((cls) => error instanceof cls) && retriable(error),
    delayMs(attempt) {
      const exact = Math.min(maxMs, initialMs * multiplier ** (attempt - 1));
      if (jitter === 'none') return exact;
      if (jitter === 'full') return Math.random() * exact;
      return exact / 2 + (Math.random() * exact) / 2;
    },
  };
}
