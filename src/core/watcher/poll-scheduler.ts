/**
 * One timer for all watches: items wait in a priority queue ordered by when they are due, one loop sleeps
 * until the earliest, and at most `maxConcurrent` run at once. With 10,000 watches this keeps memory per
 * watch small (no timer, abort listener or suspended loop each) and turns polling bursts into a steady queue,
 * which is also what an upstream API's rate limit wants.
 */
import TinyQueue from 'tinyqueue';
import type { Clock } from '../ports.js';

/** Runs items when they are due. */
export interface PollScheduler<T> {
  /**
   * Queues `item` to run at `dueAt` (clock time). An item may be queued again from its own run; one whose key
   * is already queued takes that entry's place.
   */
  schedule(item: T, dueAt: number): void;
  /** Makes the item queued under `key` due at `dueAt` at the latest; false when none is (a running one is not). */
  hurry(key: string, dueAt: number): boolean;
  /** Items queued or running. */
  pending(): number;
  /** Stops running queued items; resolves when those already running have settled. */
  stop(): Promise<void>;
}

interface Entry<T> {
  dueAt: number;
  order: number;
  key: string;
  item: T;
}

/**
 * Leftover entries (see `hurry`) are swept out of the heap once they outnumber the live ones and this many:
 * each sweep costs O(n) and removes at least n/2, so a hurry stays O(log n) amortized.
 */
const SWEEP_MIN_LEFTOVERS = 1_024;

/** Builds a scheduler; `keyOf` names an item's chain of runs; `run` must not throw (its failures are its own). */
export function createPollScheduler<T>(options: {
  clock: Clock;
  maxConcurrent: number;
  keyOf(item: T): string;
  run(item: T): Promise<void>;
}): PollScheduler<T> {
  const { clock, maxConcurrent } = options;
  // Ties go to the item queued first, so equal due times keep their order.
  const compare = (a: Entry<T>, b: Entry<T>) => a.dueAt - b.dueAt || a.order - b.order;
  let queue = new TinyQueue<Entry<T>>([], compare);
  // TinyQueue cannot move an entry: a hurry queues a copy due sooner, and the entry it replaced stays in the
  // heap as a leftover, skipped when it comes up. This map holds each key's live entry (and counts them).
  const live = new Map<string, Entry<T>>();
  let order = 0;
  let inFlight = 0;
  let looping = false;
  let stopped = false;
  let sleepingUntil = Number.POSITIVE_INFINITY;
  let wake: AbortController | undefined;
  let slotFreed: (() => void) | undefined;
  let allSettled: (() => void) | undefined;

  const isLive = (entry: Entry<T>) => live.get(entry.key) === entry;

  function enqueue(entry: Entry<T>): void {
    live.set(entry.key, entry);
    queue.push(entry);
    const leftovers = queue.length - live.size;
    if (leftovers > SWEEP_MIN_LEFTOVERS && leftovers > live.size) {
      queue = new TinyQueue(queue.data.filter(isLive), compare);
    }
  }

  /** Ends the loop's sleep; once per sleep, since each abort builds an exception (a burst of hurries is cheap). */
  function wakeUp(): void {
    wake?.abort();
    wake = undefined;
  }

  function start(entry: Entry<T>): void {
    inFlight++;
    void options
      .run(entry.item)
      .catch(() => {})
      .finally(() => {
        inFlight--;
        slotFreed?.();
        if (inFlight === 0) allSettled?.();
      });
  }

  async function loop(): Promise<void> {
    looping = true;
    try {
      while (!stopped && queue.length > 0) {
        if (inFlight >= maxConcurrent) {
          await new Promise<void>((resolve) => {
            slotFreed = resolve;
          });
          slotFreed = undefined;
          continue;
        }
        const next = queue.peek();
        if (!next) break;
        // A leftover goes at once, never slept for: the live entry of its key is due sooner.
        if (!isLive(next)) {
          queue.pop();
          continue;
        }
        const waitMs = next.dueAt - clock.now();
        if (waitMs > 0) {
          wake = new AbortController();
          sleepingUntil = next.dueAt;
          await clock.sleep(waitMs, wake.signal).catch(() => {});
          sleepingUntil = Number.POSITIVE_INFINITY;
          wake = undefined;
          continue;
        }
        queue.pop();
        live.delete(next.key);
        start(next);
      }
    } finally {
      looping = false;
    }
  }

  return {
    schedule(item, dueAt) {
      if (stopped) return;
      enqueue({ dueAt, order: order++, key: options.keyOf(item), item });
      if (!looping) void loop();
      else if (dueAt < sleepingUntil) wakeUp();
    },
    hurry(key, dueAt) {
      const entry = live.get(key);
      if (!entry) return false;
      if (entry.dueAt > dueAt) {
        // Its place in line among items due at the same instant is the one it had.
        enqueue({ ...entry, dueAt });
        if (dueAt < sleepingUntil) wakeUp();
      }
      return true;
    },
    pending: () => live.size + inFlight,
    async stop() {
      stopped = true;
      wakeUp();
      slotFreed?.();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          allSettled = resolve;
        });
      }
    },
  };
}
