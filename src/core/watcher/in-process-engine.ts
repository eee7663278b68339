/**
 * The engine for one process (the embedded default): every watch's next turn waits in one priority queue
 * (see poll-scheduler.ts), at most `maxConcurrent` turns run at once. Nothing here survives a restart, and
 * nothing needs to: the watch state holds every watch, and the next start resumes them from it.
 */
import type { Clock } from '../ports.js';
import type { RunTurn, TurnState, WatchEngine } from './engine.js';
import { watchKeyText } from './memory-watch-state.js';
import { createPollScheduler } from './poll-scheduler.js';
import type { StoredWatch } from './watch-state.js';

/**
 * A turn chain's key in the scheduler: the watch and its generation, so a hurry never moves a turn left over
 * from an ended watch of the same job.
 */
function turnKey(watch: StoredWatch): string {
  return JSON.stringify([watch.workspace, watch.jobId, watch.generation]);
}

/** Builds the engine. */
export function createInProcessEngine(options: { clock: Clock; maxConcurrent: number }): WatchEngine {
  const { clock } = options;
  const watched = new Set<string>();
  /** Watches hurried while their turn was running. */
  const hurried = new Set<string>();
  let idleWaiters: (() => void)[] = [];
  let run: RunTurn | undefined;

  const scheduler = createPollScheduler<TurnState>({
    clock,
    maxConcurrent: options.maxConcurrent,
    keyOf: turnKey,
    run: async (state) => {
      if (!run) return;
      const outcome = await run(state);
      if (outcome.next === 'later' && !stopped) {
        // Hurried while this turn ran (its check may have come just before the news): check again at once.
        const delayMs = hurried.delete(watchKeyText(state)) ? 0 : outcome.delayMs;
        scheduler.schedule(outcome.state, clock.now() + delayMs);
        return;
      }
      hurried.delete(watchKeyText(state));
      if (outcome.next === 'done') watched.delete(watchKeyText(state));
      if (watched.size === 0 || stopped) wakeIdle();
    },
  });
  let stopped = false;

  function wakeIdle(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  return {
    durable: false,
    async start(runTurn) {
      run = runTurn;
    },
    async add(state) {
      if (stopped) return;
      const text = watchKeyText(state);
      // One turn chain per watch: a second add of the same watch (a resume racing a join) is dropped.
      if (watched.has(text)) return;
      watched.add(text);
      scheduler.schedule(state, clock.now());
    },
    async hurry(watch) {
      const text = watchKeyText(watch);
      if (stopped || !watched.has(text)) return;
      const queued = scheduler.hurry(turnKey(watch), clock.now());
      if (!queued) hurried.add(text);
    },
    activeCount: () => watched.size,
    idle() {
      if (watched.size === 0 || stopped) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async stop(graceMs) {
      stopped = true;
      // The watch state keeps them for the next start; this process holds none any more.
      watched.clear();
      const settled = scheduler.stop();
      if (graceMs === undefined) await settled;
      else {
        const timer = new AbortController();
        await Promise.race([settled, clock.sleep(graceMs, timer.signal).catch(() => undefined)]);
        timer.abort();
      }
      wakeIdle();
    },
  };
}
