/**
 * Figure 8: where polls land (issue 13), on simulated time. For each plan and each mix of job durations, the
 * median and p90 delay from a job's end to the check that sees it, and the mean checks per job ÷ (T/2 + 2).
 * Every watch starts with its job and uses the watcher's own jitter on a seeded random, so the figure is
 * deterministic and takes well under a second.
 */
import { cadencePlan, type PollPlan } from '../../src/core/watcher/poll-plan.js';
import {
  backoffCurvePlan,
  evenDurations,
  seededRandom,
  simulateWatch,
  summarize,
} from '../../src/core/watcher/poll-simulation.js';
import { defaultPollSchedule } from '../../src/core/watcher/types.js';
import { type FigureResult, round } from '../figure.js';

/** The uniform mix of the issue: T from 2 to 60 s. */
const UNIFORM_MIX = evenDurations(2_000, 60_000, 5_801);

interface Contender {
  name: string;
  plan: PollPlan;
  /** The target this plan is held to: the frontier (median 1 s within T/2 + 2) or none (reported). */
  frontier: boolean;
}

const contenders: Contender[] = [
  {
    name: 'old curve',
    plan: backoffCurvePlan({ initialMs: 750, multiplier: 1.5, maxMs: 5_000 }),
    frontier: false,
  },
  { name: 'new default', plan: cadencePlan(defaultPollSchedule), frontier: true },
];

export async function measurePollingPlan(): Promise<FigureResult[]> {
  return contenders.map(({ name, plan, frontier }) => {
    const random = seededRandom(13);
    const spread = defaultPollSchedule.jitter;
    const summary = summarize(
      UNIFORM_MIX.map((duration) => simulateWatch(plan, duration, { spread, random })),
    );
    const medianS = summary.medianDelayMs / 1000;
    return {
      id: `8 ${name}`,
      what: `poll placement, ${name}, uniform 2–60 s jobs (simulated)`,
      value: `median ${round(medianS, 2)} s, p90 ${round(summary.p90DelayMs / 1000, 2)} s, requests ÷ (T/2+2) ${round(summary.meanRequestsPerHalfBudget, 2)} (over budget: ${summary.overHalfBudget} of ${UNIFORM_MIX.length})`,
      target: frontier ? 'median ≤ 1.0 s; every job ≤ T/2 + 2 requests' : 'reported',
      met: frontier ? medianS <= 1 && summary.overHalfBudget === 0 : 'report',
      details: { ...summary, jobs: UNIFORM_MIX.length },
    };
  });
}
