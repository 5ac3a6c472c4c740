import { describe, expect, it } from 'vitest';
import { ContractViolationError, DeliveryError, InvalidConfigError } from '../errors.js';
import { resolveRetryPolicy } from './retry-policy.js';

describe('resolveRetryPolicy', () => {
  it('defaults to 3 attempts with exponential, capped backoff', () => {
    const p = resolveRetryPolicy({ backoff: { jitter: 'none', initialMs: 100, maxMs: 350 } });
    expect(p.attempts).toBe(3);
    expect([1, 2, 3, 4].map((a) => p.delayMs(a))).toEqual([100, 200, 350, 350]);
  });

  it('keeps equal jitter between half and all of the exact delay', () => {
    const p = resolveRetryPolicy({ backoff: { initialMs: 1000 } });
    for (let i = 0; i < 200; i++) {
      const d = p.delayMs(1);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThanOrEqual(1000);
    }
  });

  it('retries transient errors until the attempts run out, never non-retriable ones', () => {
    const p = resolveRetryPolicy({ attempts: 3 });
    const transient = new Error('db timeout');
    expect([1, 2, 3].map((a) => p.shouldRetry(transient, a))).toEqual([true, true, false]);
    expect(p.shouldRetry(new ContractViolationError('t', 'e', []), 1)).toBe(false);
    expect(p.shouldRetry(new DeliveryError('x', { retriable: true }), 1)).toBe(true);
  });

  it('never retries the listed error classes', () => {
    class PaymentDeclined extends Error {}
    const p = resolveRetryPolicy({ nonRetriable: [PaymentDeclined] });
    expect(p.shouldRetry(new PaymentDeclined(), 1)).toBe(false);
    expect(p.shouldRetry(new Error(), 1)).toBe(true);
  });

  it.each([
    [{ attempts: 0 }, 'retry.attempts'],
    [{ attempts: 1.5 }, 'retry.attempts'],
    [{ backoff: { initialMs: -1 } }, 'retry.backoff.initialMs'],
    [{ backoff: { initialMs: 500, maxMs: 100 } }, 'retry.backoff.maxMs'],
    [{ backoff: { multiplier: 0.5 } }, 'retry.backoff.multiplier'],
  ])('rejects %j naming %s', (config, field) => {
    expect(() => resolveRetryPolicy(config)).toThrow(InvalidConfigError);
    try {
      resolveRetryPolicy(config);
    } catch (error) {
      expect((error as InvalidConfigError).field).toBe(field);
    }
  });
});
