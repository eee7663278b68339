/**
 * The default polling plan against the frontier, on simulated time: jobs of 2 to 60 s, each watched
 * from its start, with the watcher's own jitter driven by a seeded random.
 */
import { describe, expect, it } from 'vitest';
import { cadencePlan, delayToNextCheck } from '../../../src/core/watcher/poll-plan.js';
import {
  backoffCurvePlan,
  evenDurations,
  requestBudget,
  seededRandom,
  simulateWatch,
  summarize,
} from '../../../src/core/watcher/poll-simulation.js';
import { defaultPollSchedule } from '../../../src/core/watcher/types.js';

const defaultPlan = cadencePlan(defaultPollSchedule);
const spread = defaultPollSchedule.jitter;
/** Every 10 ms from 2 to 60 s, and 1 ms after each planned check (where a job costs the most checks). */
const mix = [
  ...evenDurations(2_000, 60_000, 5_801),
  ...evenDurations(2_000, 60_000, 30).map((instant) => instant + 1),
];

describe('the default polling plan', () => {
  it.each([1, 2, 3])('has a median delay of at most 1 s over jobs of 2 to 60 s (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const watches = mix.map((duration) => simulateWatch(defaultPlan, duration, { spread, random }));
    expect(summarize(watches).medianDelayMs).toBeLessThanOrEqual(1_000);
  });

  it('never spends more than T/2 + 2 checks on a job of T seconds, jitter included', () => {
    const random = seededRandom(4);
    for (const duration of mix) {
      const { checks } = simulateWatch(defaultPlan, duration, { spread, random });
      expect(checks, `a ${duration} ms job`).toBeLessThanOrEqual(requestBudget(duration, 2));
    }
  });

  it('is the frontier: the old curve (750 ms ×1.5 up to 5 s) misses the median', () => {
    const old = backoffCurvePlan({ initialMs: 750, multiplier: 1.5, maxMs: 5_000 });
    const random = seededRandom(5);
    const watches = mix.map((duration) => simulateWatch(old, duration, { spread, random }));
    expect(summarize(watches).medianDelayMs).toBeGreaterThan(2_000);
  });

  it('places checks at 0, 3, 4, 6, 8 s…', () => {
    const instants = [0];
    while (instants.length < 7) instants.push(defaultPlan.nextCheckAfter(instants.at(-1) ?? 0));
    expect(instants).toEqual([0, 3_000, 4_000, 6_000, 8_000, 10_000, 12_000]);
  });

  it('jitters only later, by at most a quarter of the wait, and spreads watches started together', () => {
    const random = seededRandom(6);
    const waits = Array.from({ length: 200 }, () => delayToNextCheck(defaultPlan, 4_000, spread, random));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2_500);
    expect(new Set(waits).size).toBeGreaterThan(100);
  });

  it('thins out to one check per 5 s for jobs pending past a minute', () => {
    const instants = [56_000];
    while (instants.length < 6) instants.push(defaultPlan.nextCheckAfter(instants.at(-1) ?? 0));
    expect(instants).toEqual([56_000, 58_000, 60_000, 65_000, 70_000, 75_000]);
    // 30 minutes of a job stuck in the queue: 31 checks in the first minute, then 5 s apart (360 before).
    const random = seededRandom(7);
    expect(simulateWatch(defaultPlan, 1_800_000, { spread, random }).checks).toBeLessThanOrEqual(31 + 348);
  });

  it('resumes on the plan after a late check (a restart, a slow answer)', () => {
    expect(defaultPlan.nextCheckAfter(3_600)).toBe(4_000);
    expect(defaultPlan.nextCheckAfter(45_123)).toBe(46_000);
    expect(defaultPlan.nextCheckAfter(95_123)).toBe(100_000);
  });
});
