/**
 * A pure replay of polling on simulated time (no timers): a watch that starts with its job and checks where
 * the plan says, with the same de-synchronisation the watcher applies (`delayToNextCheck`), driven by a seeded
 * random. It measures what a person feels (the delay from a job's end to the check that sees it) and what the
 * API pays (checks per job). The plan tests and the polling bench figure are built on it.
 */
import { delayToNextCheck, type PollPlan } from './poll-plan.js';

/**
 * The curve the watcher used before the cadence plan (750 ms ×1.5 up to 5 s), as a plan, for comparison: its
 * instants are the running sums of the growing waits.
 */
export function backoffCurvePlan(options: {
  initialMs: number;
  multiplier: number;
  maxMs: number;
}): PollPlan {
  return {
    nextCheckAfter(ageMs) {
      let instant = 0;
      let wait = options.initialMs;
      while (instant <= ageMs) {
        instant += wait;
        wait = Math.min(options.maxMs, wait * options.multiplier);
      }
      return Math.round(instant);
    },
  };
}

/** One job replayed: the delay from its end to the check that saw it, and the checks it took. */
export interface SimulatedWatch {
  durationMs: number;
  delayMs: number;
  checks: number;
}

/**
 * Replays one watch of a job that ends `durationMs` after it starts: the first check at once (as the engine
 * runs a new watch's first turn), then each at the delay the watcher would choose.
 */
export function simulateWatch(
  plan: PollPlan,
  durationMs: number,
  options: { spread: number; random: () => number; maxChecks?: number },
): SimulatedWatch {
  const maxChecks = options.maxChecks ?? 10_000;
  let now = 0;
  let checks = 1;
  while (now < durationMs && checks < maxChecks) {
    now += delayToNextCheck(plan, now, options.spread, options.random);
    checks++;
  }
  return { durationMs, delayMs: now - durationMs, checks };
}

/** What a set of replayed watches adds up to. */
export interface PollingSummary {
  medianDelayMs: number;
  p90DelayMs: number;
  /** Mean over jobs of checks ÷ (T/2 + 2), T in seconds: 1 is the budget of the default plan. */
  meanRequestsPerHalfBudget: number;
  /** Mean over jobs of checks ÷ (T/3 + 2): the budget of a learned plan. */
  meanRequestsPerThirdBudget: number;
  /** Jobs whose checks exceeded T/2 + 2, and T/3 + 2. */
  overHalfBudget: number;
  overThirdBudget: number;
}

/** The checks a `T`-second job may cost: `T / perSeconds + 2`. */
export const requestBudget = (durationMs: number, perSeconds: 2 | 3): number =>
  durationMs / 1000 / perSeconds + 2;

/** Sums up replayed watches. */
export function summarize(watches: readonly SimulatedWatch[]): PollingSummary {
  const delays = watches.map((watch) => watch.delayMs);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const ratios = (per: 2 | 3) => watches.map((watch) => watch.checks / requestBudget(watch.durationMs, per));
  return {
    medianDelayMs: quantile(delays, 0.5),
    p90DelayMs: quantile(delays, 0.9),
    meanRequestsPerHalfBudget: mean(ratios(2)),
    meanRequestsPerThirdBudget: mean(ratios(3)),
    overHalfBudget: ratios(2).filter((ratio) => ratio > 1).length,
    overThirdBudget: ratios(3).filter((ratio) => ratio > 1).length,
  };
}

/** The q-quantile (0 to 1) of `values`, interpolated between the nearest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const low = sorted[below] ?? Number.NaN;
  const high = sorted[Math.min(sorted.length - 1, below + 1)] ?? low;
  return low + (high - low) * (position - below);
}

/** A small seeded random (mulberry32): the same seed replays the same jitter. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` durations spread evenly over [fromMs, toMs] (the uniform mix, without sampling noise). */
export function evenDurations(fromMs: number, toMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => fromMs + ((toMs - fromMs) * index) / (count - 1));
}
