import { TimeoutError } from '../errors.js';

/**
 * Polls `condition` every `intervalMs` until it returns true; rejects with a
 * `TimeoutError` (with `describe()` in the message) after `timeoutMs`.
 */
export async function waitFor(
  condition: () => boolean,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) {
      const what = options.describe ? `waitFor (${options.describe()})` : 'waitFor';
      throw new TimeoutError(what, timeoutMs);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 5));
  }
}

/** A promise of a random delay up to `maxMs`, for handlers that should finish out of order. */
export function randomDelay(maxMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));
}
