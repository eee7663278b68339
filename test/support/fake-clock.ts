/** A clock whose `sleep` returns at once and moves time forward, so backoff and timeouts run instantly. */
import type { Clock } from '../../src/core/ports.js';

/** The clock and every sleep it was asked for, in order. */
export interface FakeClock extends Clock {
  sleeps: number[];
  advance(ms: number): void;
}

/** Builds a fake clock starting at `start` ms. */
export function createFakeClock(start = 1_000_000): FakeClock {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
      // Yield so other watches and subscribers interleave as they would with real time.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw signal.reason;
    },
  };
}
