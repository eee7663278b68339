/**
 * Backoff arithmetic shared by the Skidio client and the job watcher: exponential growth with jitter, and
 * `Retry-After` in both of its forms (RFC 9110 §10.2.3: delay-seconds or an HTTP-date).
 */

/** How a caller retries: attempts in all (first try included) and the delay curve. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest `Retry-After` the caller will wait inside one call; longer ones surface as rate-limited. */
  maxRetryAfterMs: number;
}

/** Defaults for the Skidio client: 4 attempts, 300 ms doubling up to 5 s, waits up to 30 s when told to. */
export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 300,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
};

/**
 * The delay before retry number `attempt` (1-based): base × 2^(attempt-1), capped, then jittered down to
 * between 50% and 100% so that many clients that failed together do not retry together.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

/** Multiplies `value` by a random factor in [1 - spread, 1 + spread]. */
export function jitter(value: number, spread: number, random: () => number = Math.random): number {
  return Math.round(value * (1 - spread + random() * 2 * spread));
}

/**
 * Reads a `Retry-After` header: `"120"` (seconds) or an HTTP-date. Returns milliseconds from `now`, never
 * negative, or undefined when absent or unreadable.
 */
export function parseRetryAfterMs(
  header: string | string[] | undefined,
  now: number = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
