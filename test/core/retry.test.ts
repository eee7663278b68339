import { describe, expect, it } from 'vitest';
import { backoffDelayMs, defaultRetryPolicy, jitter, parseRetryAfterMs } from '../../src/core/retry.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('backoffDelayMs', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1_000],
    [30, 1_000],
  ])('attempt %i grows exponentially to a ceiling of %i ms', (attempt, ceiling) => {
    expect(backoffDelayMs(policy, attempt, () => 0.999_999)).toBe(ceiling);
    expect(backoffDelayMs(policy, attempt, () => 0)).toBe(ceiling / 2);
  });

  it('treats attempt 0 or below as the first', () => {
    expect(backoffDelayMs(policy, 0, () => 0.999_999)).toBe(100);
    expect(backoffDelayMs(policy, -3, () => 0.999_999)).toBe(100);
  });

  it('jitters between 50% and 100% of the ceiling with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(policy, 3);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it('has the documented defaults', () => {
    expect(defaultRetryPolicy).toEqual({
      maxAttempts: 4,
      baseDelayMs: 300,
      maxDelayMs: 5_000,
      maxRetryAfterMs: 30_000,
    });
  });
});

describe('jitter', () => {
  it.each([
    [0, 750],
    [0.5, 1_000],
    [0.999_999, 1_250],
  ])('random %f spreads 1000 by ±25%% to %i', (random, expected) => {
    expect(jitter(1_000, 0.25, () => random)).toBe(expected);
  });
});

describe('parseRetryAfterMs', () => {
  it.each<[string | string[] | undefined, number | undefined]>([
    ['1', 1_000],
    ['0', 0],
    [' 120 ', 120_000],
    ['1.5', 1_500],
    [['2', '9'], 2_000],
    [new Date(NOW + 3_000).toUTCString(), 3_000],
    ['Wed, 15 Jan 2025 12:01:00 GMT', 60_000],
    // A date in the past means "now", never a negative wait.
    [new Date(NOW - 60_000).toUTCString(), 0],
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['soon', undefined],
    [[], undefined],
  ])('%j → %s', (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });
});
