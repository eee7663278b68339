/**
 * Learned polling plans on simulated time: windows learned from 50 jobs of a model and measured on fresh jobs
 * of that model (the simulator's per-model laws), the fallbacks, the planner around a store, and the watcher
 * learning from the bodies it reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusAnswer } from '../../../src/core/skidio-answers.js';
import type { TurnState } from '../../../src/core/watcher/engine.js';
import { readJobClock } from '../../../src/core/watcher/job-clock.js';
import {
  createStoredJobDurations,
  durationKeyText,
  type JobDurations,
} from '../../../src/core/watcher/job-durations.js';
import { learnWindow, windowPlan } from '../../../src/core/watcher/learned-plan.js';
import { cadencePlan } from '../../../src/core/watcher/poll-plan.js';
import { createPollPlanner } from '../../../src/core/watcher/poll-planner.js';
import { seededRandom, simulateWatch, summarize } from '../../../src/core/watcher/poll-simulation.js';
import { defaultPollSchedule, type WatchKey } from '../../../src/core/watcher/types.js';
import {
  drawJobTimes,
  MODEL_TIMINGS,
  randomSeededBy,
  type SkidioModel,
} from '../../../src/simulator/model-durations.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { cleanupWorlds, completed, createWorld, inProcessKit, running } from './watcher-world.js';

afterEach(cleanupWorlds);

const defaultPlan = cadencePlan(defaultPollSchedule);
const spread = defaultPollSchedule.jitter;
const models = Object.keys(MODEL_TIMINGS) as SkidioModel[];
const jobOf = (model: SkidioModel, id: string) => {
  const { queueMs, runMs } = drawJobTimes(model, randomSeededBy(`model-${model}-${id}`));
  return queueMs + runMs;
};

describe('a plan learned from 50 jobs of a model', () => {
  it.each(models)('%s: beats the default, within T/3 + 2 requests on average', (model) => {
    const window = learnWindow(
      Array.from({ length: 50 }, (_, n) => jobOf(model, `seen${n}`)),
      defaultPlan,
    );
    expect(window).toBeDefined();
    const plan = window ? windowPlan(window) : defaultPlan;
    const fresh = Array.from({ length: 500 }, (_, n) => jobOf(model, `new${n}`));
    const random = seededRandom(1);
    const learned = summarize(fresh.map((duration) => simulateWatch(plan, duration, { spread, random })));
    const usual = summarize(
      fresh.map((duration) => simulateWatch(defaultPlan, duration, { spread, random })),
    );
    expect(learned.medianDelayMs).toBeLessThan(usual.medianDelayMs);
    expect(learned.meanRequestsPerThirdBudget).toBeLessThanOrEqual(1);
  });

  it('brings the median over the six models to 0.5 s or less', () => {
    const random = seededRandom(2);
    const watches = models.flatMap((model) => {
      const window = learnWindow(
        Array.from({ length: 50 }, (_, n) => jobOf(model, `seen${n}`)),
        defaultPlan,
      );
      const plan = window ? windowPlan(window) : defaultPlan;
      return Array.from({ length: 500 }, (_, n) =>
        simulateWatch(plan, jobOf(model, `new${n}`), { spread, random }),
      );
    });
    const summary = summarize(watches);
    expect(summary.medianDelayMs).toBeLessThanOrEqual(500);
    expect(summary.meanRequestsPerThirdBudget).toBeLessThanOrEqual(1);
  });

  it('is not learned from fewer than 20 jobs, nor from durations spread evenly over 2 to 60 s', () => {
    expect(learnWindow([9_000, 9_100, 9_050], defaultPlan)).toBeUndefined();
    const random = seededRandom(3);
    const even = Array.from({ length: 64 }, () => 2_000 + 58_000 * random());
    expect(learnWindow(even, defaultPlan)).toBeUndefined();
  });

  it('checks at the window start, every gap within it, then every tail after it', () => {
    const plan = windowPlan({ startMs: 8_000, gapMs: 500, count: 3, tailMs: 3_000 });
    const instants = [0];
    while (instants.length < 7) instants.push(plan.nextCheckAfter(instants.at(-1) ?? 0));
    expect(instants).toEqual([0, 8_000, 8_500, 9_000, 12_000, 15_000, 18_000]);
    expect(plan.nextCheckAfter(8_700)).toBe(9_000);
  });

  it('thins out like the default past a minute', () => {
    const plan = windowPlan({ startMs: 50_000, gapMs: 500, count: 3, tailMs: 3_000 }, defaultPollSchedule);
    expect(plan.nextCheckAfter(50_900)).toBe(51_000);
    expect(plan.nextCheckAfter(58_000)).toBe(60_000);
    expect(plan.nextCheckAfter(60_000)).toBe(65_000);
  });
});

describe('learned duration keys', () => {
  it('key by workspace alone when the model is not a model name', () => {
    expect(durationKeyText({ workspace: 'a:b', model: '../../x y' })).toBe(
      durationKeyText({ workspace: 'a:b' }),
    );
    expect(durationKeyText({ workspace: 'a', model: 'b:c' })).not.toBe(
      durationKeyText({ workspace: 'a:b', model: 'c' }),
    );
  });
});

describe('the planner', () => {
  const clock = { now: () => 0, sleep: async () => {} };
  const logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => logger };

  it('learns under the model and the workspace, and plans from them once there are enough', async () => {
    let now = 0;
    const durations = createStoredJobDurations(createMemoryStore());
    const planner = createPollPlanner({
      durations,
      fallback: defaultPlan,
      clock: { ...clock, now: () => now },
      logger,
    });
    expect(await planner.planFor({ workspace: 'w', model: 'sdxl' })).toBe(defaultPlan);
    for (let n = 0; n < 30; n++)
      await planner.learn({ workspace: 'w', model: 'sdxl' }, jobOf('sdxl', `p${n}`));
    expect(await durations.recent({ workspace: 'w' })).toHaveLength(30);
    // The plan is cached for a minute: learning does not redo the search on every job.
    expect(await planner.planFor({ workspace: 'w', model: 'sdxl' })).toBe(defaultPlan);
    now += 60_000;
    expect(await planner.planFor({ workspace: 'w', model: 'sdxl' })).not.toBe(defaultPlan);
  });

  it('falls back to the default plan when the store fails, and never rejects', async () => {
    const broken: JobDurations = {
      recent: () => Promise.reject(new Error('redis away')),
      add: () => Promise.reject(new Error('redis away')),
    };
    const warnings: string[] = [];
    const counting = {
      ...logger,
      warn: (_fields: object, message?: string) => void warnings.push(message ?? ''),
    };
    const planner = createPollPlanner({ durations: broken, fallback: defaultPlan, clock, logger: counting });
    expect(await planner.planFor({ workspace: 'w' })).toBe(defaultPlan);
    expect(await planner.planFor({ workspace: 'w' })).toBe(defaultPlan);
    // Said once per key and minute, not on every turn of every watch.
    expect(warnings).toEqual(['job durations unreadable']);
    await expect(planner.learn({ workspace: 'w' }, 9_000)).resolves.toBeUndefined();
  });
});

describe('reading the job clock from status answers', () => {
  const turn = (patch: Partial<TurnState> = {}): TurnState => ({
    workspace: 'w',
    jobId: 'j',
    startedAt: 1_000,
    generation: 1,
    checks: 1,
    failuresInRow: 0,
    delayMs: 2_000,
    ...patch,
  });
  const answer = (status: StatusAnswer['status'], timing?: StatusAnswer['timing']): StatusAnswer => ({
    jobId: 'j',
    status,
    ...(timing ? { timing } : {}),
  });

  it('takes the job age at the watch start from a running job, and the duration from a completed one', () => {
    const watched = turn();
    expect(readJobClock(watched, answer(running, { queuedMs: 400, ranMs: 5_000 }), 1_000)).toBeUndefined();
    expect(watched.jobAgeAtStartMs).toBe(5_400);
    expect(readJobClock(watched, answer(completed(), { queuedMs: 400, ranMs: 9_000 }), 6_000)).toBe(9_400);
  });

  it('without times, learns from its own clock only when the job age is known, else skips', () => {
    expect(readJobClock(turn({ checks: 4 }), answer(completed()), 9_000)).toBeUndefined();
    // Age 2 s at the start, seen completed 8 s later with a 2 s gap before: ended about 9 s into the job.
    expect(readJobClock(turn({ checks: 4, jobAgeAtStartMs: 2_000 }), answer(completed()), 9_000)).toBe(9_000);
  });

  it('learns a job once: a retried final reply asks again and learns nothing', () => {
    const retried = turn({ ended: { kind: 'completed' } });
    expect(readJobClock(retried, answer(completed(), { queuedMs: 1, ranMs: 2 }), 5_000)).toBeUndefined();
  });
});

describe('the watcher with learned durations', () => {
  it('learns each completed job and then checks close to where the jobs end', async () => {
    const durations = createStoredJobDurations(createMemoryStore());
    const startedAt = new Map<string, number>();
    const durationOf = (jobId: string) => 9_000 + (Number(jobId.split('-')[1]) % 5) * 100;
    // The script reads the world's clock; the world exists once the script is handed to it.
    const clockOf: { now?: () => number } = {};
    const world = createWorld(inProcessKit, {
      durations,
      timeoutMs: 120_000,
      script: (_check, jobId) => {
        const now = clockOf.now?.() ?? 0;
        const age = now - (startedAt.get(jobId) ?? now);
        if (!startedAt.has(jobId)) startedAt.set(jobId, now);
        const total = durationOf(jobId);
        if (age >= total) return { status: completed(), timing: { queuedMs: 500, ranMs: total - 500 } };
        return { status: running, timing: { queuedMs: Math.min(age, 500), ranMs: Math.max(0, age - 500) } };
      },
    });
    clockOf.now = () => world.clock.now();
    const { watcher } = await world.start();
    const key = (n: number): WatchKey => ({ workspace: 'discord:1', jobId: `job-${n}` });
    for (let n = 0; n < 25; n++) {
      await watcher.watch(key(n), world.asker(world.channel(`c${n}`)));
      await world.ended(key(n));
    }
    expect(await durations.recent({ workspace: 'discord:1' })).toHaveLength(25);
    // The plan is refreshed at most once a minute: after a minute more, the next job runs on the learned one.
    world.clock.advance(60_000);
    const last = key(99);
    const before = world.client.calls.length;
    await watcher.watch(last, world.asker(world.channel('last')));
    await world.ended(last);
    const calls = world.client.calls.slice(before);
    const end = (calls[0]?.at ?? 0) + durationOf('job-99');
    expect((calls.at(-1)?.at ?? 0) - end).toBeLessThanOrEqual(500);
    expect(calls.length).toBeLessThanOrEqual(durationOf('job-99') / 3_000 + 2);
  });
});
