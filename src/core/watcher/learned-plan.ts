/**
 * Polls placed where a workspace's jobs usually end. From the durations of its recent jobs (job-durations.ts)
 * the planner picks a window of dense checks around the likely ends, then a check every 3 s past it; the
 * window's start, spacing and length are the ones that would have served those jobs best (the lowest median
 * delay), with the checks they would have cost held within T/3 + 2 for a T-second job on average. Durations
 * that say little (too few, or spread so wide that no window beats the default) leave the default plan.
 * `poll-planner.ts` runs this per workspace and model for the watcher.
 */
import { type LateChecks, lateCheckAfter, type PollPlan } from './poll-plan.js';

/** A learned plan: checks at `startMs`, then every `gapMs` (`count` in all), then every `tailMs`. Plain JSON. */
export interface WindowPlan {
  startMs: number;
  gapMs: number;
  count: number;
  tailMs: number;
}

/** The plan of a window: on the job's clock, like every plan; past the window and `late.lateAfterMs`, late. */
export function windowPlan(window: WindowPlan, late?: LateChecks): PollPlan {
  const { startMs, gapMs, count, tailMs } = window;
  const lastMs = startMs + (count - 1) * gapMs;
  return {
    nextCheckAfter(ageMs) {
      if (ageMs < startMs) return startMs;
      if (late && ageMs >= Math.max(lastMs, late.lateAfterMs)) return lateCheckAfter(ageMs, late);
      if (ageMs < lastMs) return startMs + (Math.floor((ageMs - startMs) / gapMs) + 1) * gapMs;
      return lastMs + (Math.floor((ageMs - lastMs) / tailMs) + 1) * tailMs;
    },
  };
}

/** What the planner holds a learned plan to. */
export interface LearningOptions {
  /** Durations needed before a plan is learned; fewer leave the default plan. */
  minObservations: number;
  /** Mean over the learned durations of checks ÷ (T/3 + 2) a plan may reach (below 1: a margin for new jobs). */
  maxBudgetShare: number;
  /** The gap between checks past the window: 3 s keeps a job that outlives it within T/3 + 2. */
  tailMs: number;
  /**
   * How much better than the default a window must have served the durations (a fraction of the default's
   * score) to be used: fitted to 50-odd jobs, a window that is only a little better on them is often worse on
   * the next ones (durations spread evenly, as in a workspace mixing every model).
   */
  minGain: number;
}

export const defaultLearningOptions: LearningOptions = {
  minObservations: 20,
  maxBudgetShare: 0.85,
  tailMs: 3_000,
  minGain: 0.25,
};

/** Gaps tried between the window's checks. */
const WINDOW_GAPS_MS = [300, 500, 750, 1_000, 1_500];
/** Longest window tried, in checks. */
const MAX_WINDOW_CHECKS = 32;
/** Window starts tried across the durations' range. */
const START_STEPS = 40;

/** One job replayed against a window without jitter: the checks it costs (the one at the start included). */
function replay(window: WindowPlan, durationMs: number): { delayMs: number; checks: number } {
  const { startMs, gapMs, count, tailMs } = window;
  if (durationMs <= startMs) return { delayMs: startMs - durationMs, checks: 2 };
  const lastMs = startMs + (count - 1) * gapMs;
  if (durationMs <= lastMs) {
    const index = Math.ceil((durationMs - startMs) / gapMs);
    return { delayMs: startMs + index * gapMs - durationMs, checks: 2 + index };
  }
  const index = Math.ceil((durationMs - lastMs) / tailMs);
  return { delayMs: lastMs + index * tailMs - durationMs, checks: 1 + count + index };
}

/** Median plus a twentieth of the mean: the median is the target, the mean breaks ties and keeps tails short. */
function score(delays: Float64Array): number {
  let sum = 0;
  for (const delay of delays) sum += delay;
  const middle = delays.length >> 1;
  const upper = select(delays, middle);
  const median = delays.length % 2 === 1 ? upper : (select(delays, middle - 1) + upper) / 2;
  return median + (0.05 * sum) / delays.length;
}

/** The `rank`-th smallest value (Hoare's selection, in place): the search scores thousands of windows. */
function select(values: Float64Array, rank: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const pivot = values[(low + high) >> 1] ?? 0;
    let left = low;
    let right = high;
    while (left <= right) {
      while ((values[left] ?? 0) < pivot) left++;
      while ((values[right] ?? 0) > pivot) right--;
      if (left <= right) {
        const swap = values[left] ?? 0;
        values[left++] = values[right] ?? 0;
        values[right--] = swap;
      }
    }
    if (rank <= right) high = right;
    else if (rank >= left) low = left;
    else break;
  }
  return values[rank] ?? 0;
}

/** How `plan` would have served `durations` (from the job's start, no jitter): its score. */
function scorePlan(plan: PollPlan, durations: readonly number[]): number {
  return score(
    Float64Array.from(durations, (duration) => {
      let at = 0;
      for (let checks = 1; at < duration && checks < 1_000; checks++) at = plan.nextCheckAfter(at);
      return at - duration;
    }),
  );
}

/**
 * The window that would have served `durations` best within the budget, when it beats `fallback` on them;
 * undefined otherwise (too few durations, or none better). A few milliseconds for 64 durations.
 */
export function learnWindow(
  durations: readonly number[],
  fallback: PollPlan,
  options: LearningOptions = defaultLearningOptions,
): WindowPlan | undefined {
  if (durations.length < options.minObservations) return undefined;
  const shortest = Math.min(...durations);
  const longest = Math.max(...durations);
  const from = Math.max(100, shortest - 1_000);
  const step = Math.max(50, (longest - from) / START_STEPS);
  const inverseBudgets = durations.map((duration) => 1 / (duration / 3_000 + 2));
  const delays = new Float64Array(durations.length);
  const limit = options.maxBudgetShare * durations.length;
  let best: { window: WindowPlan; score: number } | undefined;
  for (const gapMs of WINDOW_GAPS_MS) {
    for (let startMs = from; startMs <= longest; startMs += step) {
      for (let count = 1; count <= MAX_WINDOW_CHECKS; count++) {
        const window = { startMs: Math.round(startMs), gapMs, count, tailMs: options.tailMs };
        let share = 0;
        for (let index = 0; index < durations.length; index++) {
          const { delayMs, checks } = replay(window, durations[index] ?? 0);
          delays[index] = delayMs;
          share += checks * (inverseBudgets[index] ?? 0);
        }
        // Longer windows only cost more: past the budget, so are all the longer ones.
        if (share > limit) break;
        const value = score(delays);
        if (!best || value < best.score) best = { window, score: value };
      }
    }
  }
  if (!best || best.score > (1 - options.minGain) * scorePlan(fallback, durations)) return undefined;
  return best.window;
}
