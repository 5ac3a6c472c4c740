import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '../errors.js';
import { Breaker, resolveBreakerConfig, type BreakerState } from './breaker.js';

function breaker(threshold = 3) {
  const transitions: string[] = [];
  const b = new Breaker(
    'users',
    resolveBreakerConfig({ maxDeadLettersPerMinute: threshold, initialOpenMs: 100, maxOpenMs: 400 }, 'breaker'),
    (from: BreakerState, to: BreakerState) => transitions.push(`${from}->${to}`),
  );
  return { b, transitions };
}

describe('Breaker', () => {
  it('opens at the threshold within a minute, not for dead letters spread over longer', () => {
    const { b } = breaker(3);
    b.recordDeadLetter(0);
    b.recordDeadLetter(30_000);
    b.recordDeadLetter(61_000); // the first fell out of the window
    expect(b.state).toBe('closed');
    b.recordDeadLetter(62_000);
    expect(b.state).toBe('open');
    expect(b.allowsDeadLetter()).toBe(false);
  });

  it('probes half-open after the wait; a failed probe doubles the wait up to the cap', () => {
    const { b, transitions } = breaker(1);
    b.recordDeadLetter(1_000);
    expect(b.retryDelayMs(1_000)).toBe(100);
    b.beforeRetry(1_050);
    expect(b.state).toBe('open');
    b.beforeRetry(1_100);
    expect(b.state).toBe('half-open');
    b.recordFailure(1_100);
    expect(b.retryDelayMs(1_100)).toBe(200);
    b.beforeRetry(1_300);
    b.recordFailure(1_300);
    b.beforeRetry(1_700);
    b.recordFailure(1_700);
    expect(b.retryDelayMs(1_700)).toBe(400);
    expect(transitions.slice(0, 3)).toEqual(['closed->open', 'open->half-open', 'half-open->open']);
  });

  it('closes on a success and starts counting afresh', () => {
    const { b, transitions } = breaker(2);
    b.recordDeadLetter(0);
    b.recordDeadLetter(1);
    b.recordSuccess();
    expect(b.state).toBe('closed');
    b.recordDeadLetter(2);
    expect(b.state).toBe('closed');
    expect(transitions).toEqual(['closed->open', 'open->closed']);
  });

  it('rejects nonsense thresholds', () => {
    expect(() => resolveBreakerConfig({ maxDeadLettersPerMinute: 0 }, 'b')).toThrow(InvalidConfigError);
    expect(() => resolveBreakerConfig({ initialOpenMs: 10, maxOpenMs: 5 }, 'b')).toThrow(InvalidConfigError);
  });
});
