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
  /** Queues `item` to run at `dueAt` (clock time). An item may be queued again from its own run. */
  schedule(item: T, dueAt: number): void;
  /** Makes the queued items `matches` picks due at `dueAt` at the latest; false when none is queued. */
  hurry(matches: (item: T) => boolean, dueAt: number): boolean;
  /** Items queued or running. */
  pending(): number;
  /** Stops running queued items; resolves when those already running have settled. */
  stop(): Promise<void>;
}

interface Entry<T> {
  dueAt: number;
  order: number;
  item: T;
}

/** Builds a scheduler; `run` must not throw (its failures are its own to report). */
export function createPollScheduler<T>(options: {
  clock: Clock;
  maxConcurrent: number;
  run(item: T): Promise<void>;
}): PollScheduler<T> {
  const { clock, maxConcurrent } = options;
  // Ties go to the item queued first, so equal due times keep their order.
  const queue = new TinyQueue<Entry<T>>([], (a, b) => a.dueAt - b.dueAt || a.order - b.order);
  let order = 0;
  let inFlight = 0;
  let looping = false;
  let stopped = false;
  let sleepingUntil = Number.POSITIVE_INFINITY;
  let wake: AbortController | undefined;
  let slotFreed: (() => void) | undefined;
  let allSettled: (() => void) | undefined;

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
        start(next);
      }
    } finally {
      looping = false;
    }
  }

  return {
    schedule(item, dueAt) {
      if (stopped) return;
      queue.push({ dueAt, order: order++, item });
      if (!looping) void loop();
      else if (dueAt < sleepingUntil) wake?.abort();
    },
    hurry(matches, dueAt) {
      const entries: Entry<T>[] = [];
      while (queue.length > 0) entries.push(queue.pop() as Entry<T>);
      let found = false;
      for (const entry of entries) {
        if (matches(entry.item) && entry.dueAt > dueAt) {
          entry.dueAt = dueAt;
          found = true;
        } else if (matches(entry.item)) found = true;
        queue.push(entry);
      }
      if (found && dueAt < sleepingUntil) wake?.abort();
      return found;
    },
    pending: () => queue.length + inFlight,
    async stop() {
      stopped = true;
      wake?.abort();
      slotFreed?.();
      if (inFlight > 0) {
        await new Promise<void>((resolve) => {
          allSettled = resolve;
        });
      }
    },
  };
}
