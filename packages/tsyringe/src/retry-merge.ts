import type { RetryConfig } from '@ordo/core';

/** Dead-letter retries when nothing overrides them: slower than the main consumer's (core's default). */
export const DEFAULT_DEAD_LETTER_RETRY: RetryConfig = { attempts: 5, backoff: { initialMs: 1_000, maxMs: 60_000 } };

/** `later` over `earlier`, field by field, `backoff` included; `undefined` when both are. */
export function mergeRetry(earlier: RetryConfig | undefined, later: RetryConfig | undefined): RetryConfig | undefined {
  if (!earlier || !later) return later ?? earlier;
  const backoff = earlier.backoff || later.backoff ? { ...earlier.backoff, ...later.backoff } : undefined;
  return { ...earlier, ...later, ...(backoff ? { backoff } : {}) };
}
