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

/**
 * A clock whose time moves only when the test steps it, for the whole bot (`startWorld({ clock })`).
 *
 * The fake clock above returns from every sleep at once: right for the watcher alone, wrong for the whole bot,
 * where a sleep is also a grace period (shutdown), a token's lifetime (Discord's handover) or a deadline
 * raced against real I/O; those would all end before the I/O they wait for. Here a sleep ends when `advance`
 * moves time past its end. Only the bot's clock stands still: sockets, the simulator's jobs and the fakes
 * keep real time, so a test that steps this clock still waits for replies with real timeouts.
 */
export interface SteppedClock extends Clock {
  /** Every sleep asked for, in order, in ms. */
  sleeps: number[];
  /** How many sleeps are waiting for time to move. */
  pending(): number;
  /** Moves time forward by `ms`, waking every sleep due by then in order; resolves once they have run on. */
  advance(ms: number): Promise<void>;
}

/** Builds a stepped clock starting at `start` ms (default: now, so timestamps compared with real ones hold). */
export function createSteppedClock(start = Date.now()): SteppedClock {
  let now = start;
  const sleeps: number[] = [];
  const waiting = new Set<{ until: number; wake: () => void }>();
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    sleeps,
    now: () => now,
    pending: () => waiting.size,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        sleeps.push(ms);
        // Nothing to wait for: as with real timers, it ends on a later turn of the event loop.
        if (ms <= 0) {
          setImmediate(resolve);
          return;
        }
        const sleeper = {
          until: now + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          waiting.delete(sleeper);
          reject(signal?.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.add(sleeper);
      });
    },
    async advance(ms) {
      const target = now + ms;
      // One wake at a time, earliest first, each at its own instant: what it schedules next sees that time.
      for (;;) {
        const due = [...waiting].filter((sleeper) => sleeper.until <= target);
        if (due.length === 0) break;
        const next = due.reduce((earliest, sleeper) => (sleeper.until < earliest.until ? sleeper : earliest));
        waiting.delete(next);
        now = Math.max(now, next.until);
        next.wake();
        await turn();
      }
      now = target;
      await turn();
    },
  };
}

/**
 * Steps `clock` by `stepMs` every few real milliseconds until `work` settles, so polls and retries come due
 * while the test waits for what the fakes receive; resolves or rejects as `work` does.
 */
export async function whileStepping<T>(clock: SteppedClock, work: Promise<T>, stepMs = 100): Promise<T> {
  let settled = false;
  const stepping = (async () => {
    while (!settled) {
      await clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    return await work;
  } finally {
    settled = true;
    await stepping;
  }
}
