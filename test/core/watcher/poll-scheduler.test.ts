/**
 * The one-timer scheduler behind the in-process engine, on a stepped clock: items run when due, in order;
 * a hurry moves one item forward without touching the others, and costs the same however many wait.
 */
import TinyQueue from 'tinyqueue';
import { describe, expect, it } from 'vitest';
import { createPollScheduler, type PollScheduler } from '../../../src/core/watcher/poll-scheduler.js';
import { createSteppedClock, type SteppedClock } from '../../support/fake-clock.js';

interface Item {
  name: string;
  /** Queued again this long after each run, while `again` lasts. */
  againMs?: number;
  again?: number;
}

interface Bench {
  clock: SteppedClock;
  scheduler: PollScheduler<Item>;
  /** Every run, in order: the item's name and the clock time it ran at. */
  runs: [name: string, at: number][];
  /** Lets the next event-loop turns run (a woken loop goes on asynchronously). */
  settle(): Promise<void>;
  /** Moves time on once the loop has gone back to sleep (else it would sleep past its item's due time). */
  advance(ms: number): Promise<void>;
}

function createBench(options: { maxConcurrent?: number; run?: (item: Item) => Promise<void> } = {}): Bench {
  const clock = createSteppedClock(0);
  const runs: [string, number][] = [];
  const scheduler: PollScheduler<Item> = createPollScheduler<Item>({
    clock,
    maxConcurrent: options.maxConcurrent ?? 4,
    keyOf: (item) => item.name,
    run: async (item) => {
      runs.push([item.name, clock.now()]);
      await options.run?.(item);
      if (item.again && item.againMs !== undefined) {
        scheduler.schedule({ ...item, again: item.again - 1 }, clock.now() + item.againMs);
      }
    },
  });
  const settle = async () => {
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    clock,
    scheduler,
    runs,
    settle,
    advance: async (ms) => {
      await settle();
      await clock.advance(ms);
    },
  };
}

describe('poll scheduler', () => {
  it('runs items when due, earliest first, equal due times in the order queued', async () => {
    const { scheduler, runs, advance } = createBench();
    scheduler.schedule({ name: 'c' }, 3_000);
    scheduler.schedule({ name: 'a' }, 1_000);
    scheduler.schedule({ name: 'b1' }, 2_000);
    scheduler.schedule({ name: 'b2' }, 2_000);
    await advance(5_000);
    expect(runs).toEqual([
      ['a', 1_000],
      ['b1', 2_000],
      ['b2', 2_000],
      ['c', 3_000],
    ]);
  });

  it('runs a hurried item at once, and the others when they were due, in their order', async () => {
    const { clock, scheduler, runs, settle, advance } = createBench();
    for (const [name, dueAt] of [
      ['a', 1_000],
      ['b', 2_000],
      ['c', 3_000],
      ['d', 3_000],
    ] as const) {
      scheduler.schedule({ name }, dueAt);
    }
    expect(scheduler.hurry('c', clock.now())).toBe(true);
    await settle();
    expect(runs).toEqual([['c', 0]]);
    await advance(10_000);
    // c's old place in line (3 s) is a leftover now: it does not run c again.
    expect(runs).toEqual([
      ['c', 0],
      ['a', 1_000],
      ['b', 2_000],
      ['d', 3_000],
    ]);
    expect(scheduler.pending()).toBe(0);
  });

  it('gives a hurried item its old place among items due at the same time', async () => {
    const { scheduler, runs, advance } = createBench({ maxConcurrent: 1 });
    scheduler.schedule({ name: 'first' }, 1_000);
    scheduler.schedule({ name: 'second' }, 1_000);
    scheduler.schedule({ name: 'late' }, 5_000);
    scheduler.schedule({ name: 'third' }, 1_000);
    expect(scheduler.hurry('late', 1_000)).toBe(true);
    await advance(10_000);
    expect(runs.map(([name]) => name)).toEqual(['first', 'second', 'late', 'third']);
    expect(runs.every(([, at]) => at === 1_000)).toBe(true);
  });

  it('never delays an item: a hurry to a later time leaves it where it is', async () => {
    const { scheduler, runs, advance } = createBench();
    scheduler.schedule({ name: 'a' }, 1_000);
    expect(scheduler.hurry('a', 5_000)).toBe(true);
    await advance(10_000);
    expect(runs).toEqual([['a', 1_000]]);
  });

  it('answers false for a key not queued (unknown, or running right now) and changes nothing', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { clock, scheduler, runs, settle, advance } = createBench({
      run: (item) => (item.name === 'busy' ? held : Promise.resolve()),
    });
    scheduler.schedule({ name: 'busy' }, 0);
    scheduler.schedule({ name: 'other' }, 2_000);
    await settle();
    expect(runs).toEqual([['busy', 0]]);
    expect(scheduler.hurry('busy', clock.now())).toBe(false);
    expect(scheduler.hurry('nobody', clock.now())).toBe(false);
    expect(scheduler.pending()).toBe(2);
    release();
    await advance(5_000);
    expect(runs).toEqual([
      ['busy', 0],
      ['other', 2_000],
    ]);
  });

  it('hurries an item queued again from its own run; its leftovers never run it twice', async () => {
    const { clock, scheduler, runs, settle, advance } = createBench();
    scheduler.schedule({ name: 'w', againMs: 10_000, again: 2 }, 10_000);
    expect(scheduler.hurry('w', 0)).toBe(true);
    await settle();
    // Run at 0, queued again for 10 s; hurried again at 4 s: runs then, queued for 14 s.
    await advance(4_000);
    expect(scheduler.hurry('w', clock.now())).toBe(true);
    await settle();
    await advance(60_000);
    expect(runs).toEqual([
      ['w', 0],
      ['w', 4_000],
      ['w', 14_000],
    ]);
    expect(scheduler.pending()).toBe(0);
  });

  it('counts queued and running items, not the leftovers of hurries', async () => {
    const { scheduler, advance } = createBench();
    scheduler.schedule({ name: 'a' }, 5_000);
    scheduler.schedule({ name: 'b' }, 6_000);
    scheduler.hurry('a', 4_000);
    scheduler.hurry('a', 3_000);
    expect(scheduler.pending()).toBe(2);
    await advance(10_000);
    expect(scheduler.pending()).toBe(0);
  });
});

/** What the scheduler's heap did while `work` ran: pushes, pops, and the most entries it held. */
function heapOperations(work: () => void): { pushes: number; pops: number; largest: number } {
  const counted = { pushes: 0, pops: 0, largest: 0 };
  const { push, pop } = TinyQueue.prototype;
  TinyQueue.prototype.push = function (this: TinyQueue<unknown>, entry: unknown) {
    counted.pushes++;
    push.call(this, entry);
    counted.largest = Math.max(counted.largest, this.length);
  };
  TinyQueue.prototype.pop = function (this: TinyQueue<unknown>) {
    counted.pops++;
    return pop.call(this);
  };
  try {
    work();
  } finally {
    Object.assign(TinyQueue.prototype, { push, pop });
  }
  return counted;
}

describe('poll scheduler: the cost of a hurry', () => {
  /** Heap operations of one hurry with `waiting` items queued, to a far-future time (nothing runs meanwhile). */
  function oneHurry(waiting: number): { pushes: number; pops: number } {
    const { scheduler } = createBench();
    for (let index = 0; index < waiting; index++) {
      scheduler.schedule({ name: `w${index}` }, 1_000_000 + index);
    }
    const { pushes, pops } = heapOperations(() => scheduler.hurry(`w${waiting - 1}`, 500_000));
    void scheduler.stop();
    return { pushes, pops };
  }

  it('takes one push and no pop, with 10 or 20,000 items waiting', () => {
    expect(oneHurry(10)).toEqual({ pushes: 1, pops: 0 });
    expect(oneHurry(20_000)).toEqual({ pushes: 1, pops: 0 });
  });

  it('keeps the heap within twice the queued items (plus a small slack) however often they are hurried', () => {
    const { scheduler } = createBench();
    const waiting = 3_000;
    for (let index = 0; index < waiting; index++) scheduler.schedule({ name: `w${index}` }, 10_000_000);
    // Every item hurried three times, each to a time still in the future: all stay queued.
    const { largest } = heapOperations(() => {
      for (let round = 1; round <= 3; round++) {
        for (let index = 0; index < waiting; index++)
          scheduler.hurry(`w${index}`, 10_000_000 - round * 1_000);
      }
    });
    expect(scheduler.pending()).toBe(waiting);
    expect(largest).toBeLessThanOrEqual(2 * waiting + 1_025);
    void scheduler.stop();
  });
});
