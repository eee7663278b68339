/**
 * The watcher's planner: the plan for each watch from its workspace's (and model's) learned durations, kept
 * in this process for a minute so that a turn reads no store, and the durations of completed jobs learned.
 * Learning is best effort: a store that fails costs what it would have taught, never a watch.
 */
import type { Clock, Logger } from '../ports.js';
import { type DurationKey, durationKeyText, type JobDurations } from './job-durations.js';
import { defaultLearningOptions, type LearningOptions, learnWindow, windowPlan } from './learned-plan.js';
import type { LateChecks, PollPlan } from './poll-plan.js';

/** Plans per watch, learned from the durations of the workspace's (and model's) recent jobs. */
export interface PollPlanner {
  /** The plan for a job of `key`: learned when its durations allow, else the default. Never rejects. */
  planFor(key: DurationKey): Promise<PollPlan>;
  /** Remembers a completed job's duration. Never rejects: a store failure only costs what it would teach. */
  learn(key: DurationKey, durationMs: number): Promise<void>;
}

/** Plans this process keeps, so a turn does not read the store; past this, the least recently planned go. */
const MAX_CACHED_PLANS = 2_000;
/** How long a cached plan serves before the durations are read again (other instances learn too). */
const PLAN_REFRESH_MS = 60_000;

/** Builds the planner on a durations store. */
export function createPollPlanner(options: {
  durations: JobDurations;
  fallback: PollPlan;
  /** When checks thin out for jobs older than the plans are tuned for (the schedule's). */
  late?: LateChecks;
  clock: Clock;
  logger: Logger;
  learning?: LearningOptions;
}): PollPlanner {
  const { durations, fallback, clock, logger } = options;
  const learning = options.learning ?? defaultLearningOptions;
  const cache = new Map<string, { plan: PollPlan; at: number }>();

  function remember(text: string, plan: PollPlan): void {
    cache.delete(text);
    if (cache.size >= MAX_CACHED_PLANS) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(text, { plan, at: clock.now() });
  }

  return {
    async planFor(key) {
      const text = durationKeyText(key);
      const cached = cache.get(text);
      if (cached && clock.now() - cached.at < PLAN_REFRESH_MS) return cached.plan;
      try {
        const window = learnWindow(await durations.recent(key), fallback, learning);
        const plan = window ? windowPlan(window, options.late) : fallback;
        remember(text, plan);
        return plan;
      } catch (error) {
        // Kept for a refresh period too: a store that is away is reported once a minute per key, not per turn.
        logger.warn({ workspace: key.workspace, err: (error as Error).message }, 'job durations unreadable');
        const plan = cached?.plan ?? fallback;
        remember(text, plan);
        return plan;
      }
    },
    async learn(key, durationMs) {
      // With a model, the workspace's own mix learns the job too: watches that do not know the model use it.
      const keys = key.model === undefined ? [key] : [key, { workspace: key.workspace }];
      try {
        // The cached plan stays until its refresh: learning a plan anew on every completed job would cost a
        // search per job, and one job more changes little.
        for (const each of keys) await durations.add(each, durationMs);
      } catch (error) {
        logger.warn({ workspace: key.workspace, err: (error as Error).message }, 'job duration not stored');
      }
    },
  };
}
