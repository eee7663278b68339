/**
 * Figure 11: where polls land (issue 13), on simulated time. For each plan and each mix of job durations: the
 * median and p90 delay from a job's end to the check that sees it, and the mean over jobs of checks ÷ (T/2 + 2)
 * and ÷ (T/3 + 2) for a T-second job. Every watch starts with its job and uses the watcher's own jitter on a
 * seeded random (the old curve too: its instants with today's later-only jitter; its own symmetric ±25 % moves
 * the median by a few ms). Learned plans are learned from 50 earlier jobs of the same mix, then measured on
 * fresh ones. Deterministic, and a second or two of CPU.
 */
import { learnWindow, windowPlan } from '../../src/core/watcher/learned-plan.js';
import { cadencePlan, type PollPlan } from '../../src/core/watcher/poll-plan.js';
import {
  backoffCurvePlan,
  evenDurations,
  type PollingSummary,
  type SimulatedWatch,
  seededRandom,
  simulateWatch,
  summarize,
} from '../../src/core/watcher/poll-simulation.js';
import { defaultPollSchedule } from '../../src/core/watcher/types.js';
import {
  drawJobTimes,
  MODEL_TIMINGS,
  randomSeededBy,
  type SkidioModel,
} from '../../src/simulator/model-durations.js';
import { type FigureResult, round } from '../figure.js';

const OBSERVED_JOBS = 50;
const MEASURED_JOBS_PER_MODEL = 1_000;
const spread = defaultPollSchedule.jitter;
const defaultPlan = cadencePlan(defaultPollSchedule);
const oldCurve = backoffCurvePlan({ initialMs: 750, multiplier: 1.5, maxMs: 5_000 });
const models = Object.keys(MODEL_TIMINGS) as SkidioModel[];

/** A job of `model` as the simulator's `model-<name>-<n>` scenario times it. */
const modelJob = (model: SkidioModel, id: string) => {
  const { queueMs, runMs } = drawJobTimes(model, randomSeededBy(`model-${model}-${id}`));
  return queueMs + runMs;
};

/** The plan learned from `observed`, or the default when learning finds nothing better. */
function learned(observed: number[]): PollPlan {
  const window = learnWindow(observed, defaultPlan);
  return window ? windowPlan(window, defaultPollSchedule) : defaultPlan;
}

/** Replays watches of the given jobs, each under its own plan, on one seeded random. */
function watch(durations: { durationMs: number; plan: PollPlan }[], seed: number): SimulatedWatch[] {
  const random = seededRandom(seed);
  return durations.map(({ durationMs, plan }) => simulateWatch(plan, durationMs, { spread, random }));
}

interface Row {
  mix: string;
  plan: string;
  summary: PollingSummary;
  /** More raw numbers for bench/results.json. */
  extra?: Record<string, number>;
  jobs: number;
  target?: { text: string; met: boolean };
}

function uniformRows(): Row[] {
  const measured = evenDurations(2_000, 60_000, 5_801);
  const random = seededRandom(50);
  const observed = Array.from({ length: OBSERVED_JOBS }, () => 2_000 + 58_000 * random());
  const learnedPlan = learned(observed);
  const rows: [string, PollPlan][] = [
    ['old curve', oldCurve],
    ['new default', defaultPlan],
    [
      `learned (${OBSERVED_JOBS} jobs)${learnedPlan === defaultPlan ? ': nothing better, the default' : ''}`,
      learnedPlan,
    ],
  ];
  return rows.map(([plan, poll]) => {
    const summary = summarize(
      watch(
        measured.map((durationMs) => ({ durationMs, plan: poll })),
        13,
      ),
    );
    const frontier = plan === 'new default';
    return {
      mix: 'uniform 2–60 s',
      plan,
      summary,
      jobs: measured.length,
      ...(frontier
        ? {
            target: {
              text: 'median ≤ 1.0 s; every job ≤ T/2 + 2 requests',
              met: summary.medianDelayMs <= 1_000 && summary.overHalfBudget === 0,
            },
          }
        : {}),
    };
  });
}

function perModelRows(): Row[] {
  const measured = models.flatMap((model) =>
    Array.from({ length: MEASURED_JOBS_PER_MODEL }, (_, n) => ({
      model,
      durationMs: modelJob(model, `m${n}`),
    })),
  );
  const observedOf = (model: SkidioModel) =>
    Array.from({ length: OBSERVED_JOBS }, (_, n) => modelJob(model, `o${n}`));
  const perModel = new Map(models.map((model) => [model, learned(observedOf(model))]));
  // A status watch does not know the model: one plan learned from the workspace's mix of all six.
  const mixed = learned(
    Array.from({ length: OBSERVED_JOBS }, (_, n) => modelJob(models[n % models.length] ?? 'sdxl', `w${n}`)),
  );
  const rows: [string, (model: SkidioModel) => PollPlan][] = [
    ['old curve', () => oldCurve],
    ['new default', () => defaultPlan],
    [`learned per model (${OBSERVED_JOBS} jobs each)`, (model) => perModel.get(model) ?? defaultPlan],
    [
      `learned per workspace, model unknown (${OBSERVED_JOBS} jobs)${mixed === defaultPlan ? ': nothing better, the default' : ''}`,
      () => mixed,
    ],
  ];
  return rows.map(([plan, planOf]) => {
    const watches = watch(
      measured.map(({ model, durationMs }) => ({ durationMs, plan: planOf(model) })),
      14,
    );
    const summary = summarize(watches);
    // Per model too: the mix's median hides that the shortest jobs gain least (T/3 + 2 leaves them few checks).
    const perModelMedians = Object.fromEntries(
      models.map((model) => [
        `medianDelayMs_${model}`,
        Math.round(summarize(watches.filter((_, index) => measured[index]?.model === model)).medianDelayMs),
      ]),
    );
    const target = plan.startsWith('learned per model')
      ? {
          text: 'median ≤ 0.5 s; mean requests ÷ (T/3+2) ≤ 1',
          met: summary.medianDelayMs <= 500 && summary.meanRequestsPerThirdBudget <= 1,
        }
      : undefined;
    return {
      mix: 'six models',
      plan,
      summary,
      extra: perModelMedians,
      jobs: measured.length,
      ...(target ? { target } : {}),
    };
  });
}

export async function measurePollingPlan(): Promise<FigureResult[]> {
  return [...uniformRows(), ...perModelRows()].map(({ mix, plan, summary, extra, jobs, target }) => ({
    id: `11 ${mix}: ${plan}`,
    what: `poll placement (simulated, ${jobs} jobs)`,
    value: [
      `median ${round(summary.medianDelayMs / 1000, 2)} s`,
      `p90 ${round(summary.p90DelayMs / 1000, 2)} s`,
      `requests ÷ (T/2+2) ${round(summary.meanRequestsPerHalfBudget, 2)}`,
      `÷ (T/3+2) ${round(summary.meanRequestsPerThirdBudget, 2)}`,
    ].join(', '),
    target: target?.text ?? 'reported',
    met: target ? target.met : 'report',
    details: { ...summary, ...extra, jobs },
  }));
}
