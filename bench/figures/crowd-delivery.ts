/**
 * Figures 9 and 10: a crowd's images, measured from outside the bot (see crowd-load.ts). 300 people ask, on
 * one platform, either about one job together or about 300 jobs of their own; once every one of them has a
 * progress line, all those jobs complete at the same moment. Figure 9 is the time from that moment until the
 * last person's image reached the platform (and the median person's), and the part of it that is the bot's:
 * from the status check that saw each job completed to its image (the k-th image against the k-th such check,
 * both in order of time). The rest is the wait for that check, which the poll plan decides (figures 3 and 11);
 * the crowd's last progress line comes right after a check, so the completion lands at the start of a gap.
 * Figure 10 is the bot's CPU time (user + system, from /proc) from before the first command until the last
 * image, per command, for the 300 separate jobs: the ack, the watch's checks, progress, download and upload.
 * Three runs each, on Discord's gateway, Discord over HTTP (`DISCORD_PUBLIC_KEY`: every ack is the answer to a
 * signed POST) and Slack.
 */
import { performance } from 'node:perf_hooks';
import {
  COMMANDS,
  type CrowdWorld,
  type Platform,
  processCpuMs,
  RUNS,
  sendCrowd,
  spread,
  startCrowdWorld,
} from '../crowd-load.js';
import { type FigureResult, percentile, round } from '../figure.js';

type Scenario = 'one job' | 'separate jobs';

interface RunResult {
  lastImageMs: number;
  medianImageMs: number;
  /** From the check that saw a job completed to its image: the largest, and the median. */
  lastDeliveryMs: number;
  medianDeliveryMs: number;
  cpuPerCommandMs: number;
}

/** Long enough that no job ends before the bench completes it. */
const JOB_RUN_MS = 10 * 60_000;
const DELIVERY_TIMEOUT_MS = 120_000;

function progressCount(crowd: CrowdWorld): number {
  if (crowd.platform === 'slack') {
    return crowd.world.slack.calls.filter((call) => call.ok && call.method === 'chat.postMessage').length;
  }
  const edited = new Set(
    crowd.world.discord.requests
      .filter((request) => request.method === 'PATCH' && request.path.endsWith('/messages/@original'))
      .map((request) => request.path),
  );
  return edited.size;
}

function imageCount(crowd: CrowdWorld): number {
  if (crowd.platform === 'slack') {
    return crowd.world.slack.calls.filter((call) => call.ok && call.method === 'files.completeUploadExternal')
      .length;
  }
  return crowd.world.discord.requests.filter((request) => request.files.length > 0 && request.status < 300)
    .length;
}

/** Polls `read` until it reaches `count`; returns when each new item was first seen (ms, performance clock). */
async function arrivals(read: () => number, count: number, timeoutMs: number): Promise<number[]> {
  const seen: number[] = [];
  const deadline = performance.now() + timeoutMs;
  while (seen.length < count) {
    if (performance.now() > deadline)
      throw new Error(`only ${seen.length} of ${count} within ${timeoutMs} ms`);
    const now = performance.now();
    for (let total = read(); seen.length < Math.min(total, count); ) seen.push(now);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return seen;
}

/** Job ids are `demo-…` scenario ids: the simulator runs them without a submit, and `completeNow` ends them. */
async function runOnce(platform: Platform, scenario: Scenario, run: number): Promise<RunResult> {
  const crowd = await startCrowdWorld(platform, JOB_RUN_MS);
  const jobId = (index: number) =>
    scenario === 'one job' ? `demo-together${run}` : `demo-own${run}${platform[0]}${index}`;
  try {
    const cpuBefore = await processCpuMs(crowd.bot.child.pid ?? 0);
    await sendCrowd(COMMANDS, (index) => crowd.send(index, jobId(index)));
    await arrivals(() => progressCount(crowd), COMMANDS, DELIVERY_TIMEOUT_MS);
    const jobs = [...new Set(Array.from({ length: COMMANDS }, (_, index) => jobId(index)))];
    const completedAt = performance.now();
    await Promise.all(jobs.map((job) => crowd.simulator.completeNow(job)));
    const images = await arrivals(() => imageCount(crowd), COMMANDS, DELIVERY_TIMEOUT_MS);
    const cpuAfter = await processCpuMs(crowd.bot.child.pid ?? 0);
    const delays = images.map((at) => at - completedAt);
    const deliveries = await deliveryTimes(crowd, jobId, images, performance.timeOrigin + completedAt);
    return {
      lastImageMs: Math.max(...delays),
      medianImageMs: percentile(delays, 50),
      lastDeliveryMs: Math.max(...deliveries),
      medianDeliveryMs: percentile(deliveries, 50),
      cpuPerCommandMs: (cpuAfter - cpuBefore) / COMMANDS,
    };
  } finally {
    await crowd.close();
  }
}

/**
 * Each person's image against the first check of their job after the completion: the k-th image against the
 * k-th check in time (the platform's records do not say which image answers which check; in order is what a
 * queue with no overtaking would do, and for one job it is exact).
 */
async function deliveryTimes(
  crowd: CrowdWorld,
  jobId: (index: number) => string,
  images: number[],
  completedAtEpochMs: number,
): Promise<number[]> {
  const people = Array.from({ length: COMMANDS }, (_, index) => jobId(index));
  const checks = await crowd.simulator.firstChecks(people, completedAtEpochMs);
  const sortedChecks = checks.map((at) => at ?? Number.NaN).sort((a, b) => a - b);
  return images.map((at, k) => performance.timeOrigin + at - (sortedChecks[k] ?? Number.NaN));
}

const PLATFORM_NAMES: Record<Platform, string> = {
  discord: 'Discord',
  'discord-http': 'Discord-HTTP',
  slack: 'Slack',
};
const platformName = (platform: Platform) => PLATFORM_NAMES[platform];
const seconds = (ms: number) => round(ms / 1000, 2);

export async function measureCrowdDelivery(): Promise<FigureResult[]> {
  const results: FigureResult[] = [];
  const cpu: FigureResult[] = [];
  for (const platform of ['discord', 'discord-http', 'slack'] as const) {
    for (const scenario of ['one job', 'separate jobs'] as const) {
      const runs: RunResult[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await runOnce(platform, scenario, run));
      const last = runs.map((result) => result.lastImageMs);
      const median = runs.map((result) => result.medianImageMs);
      const lastDelivery = runs.map((result) => result.lastDeliveryMs);
      const medianDelivery = runs.map((result) => result.medianDeliveryMs);
      results.push({
        id: `9 ${platformName(platform)}, ${scenario}`,
        what: `${COMMANDS} people asking ${scenario === 'one job' ? 'about one job' : 'about a job each'}: completion → image, median of ${RUNS} runs (spread)`,
        value:
          `last ${spread(last, 's', seconds)}; median person ${spread(median, 's', seconds)}; ` +
          `of which the bot's, from the check that saw it: last ${spread(lastDelivery, 's', seconds)}, ` +
          `median ${spread(medianDelivery, 's', seconds)}`,
        target: 'last image ≤ 3 s',
        met: percentile(last, 50) <= 3_000,
        details: {
          lastImageMedianMs: percentile(last, 50),
          lastImageMinMs: Math.min(...last),
          lastImageMaxMs: Math.max(...last),
          medianImageMedianMs: percentile(median, 50),
          lastDeliveryMedianMs: percentile(lastDelivery, 50),
          medianDeliveryMedianMs: percentile(medianDelivery, 50),
        },
      });
      if (scenario === 'separate jobs') {
        const perCommand = runs.map((result) => result.cpuPerCommandMs);
        cpu.push({
          id: `10 ${platformName(platform)}`,
          what: `bot CPU per status command, ack to image (${COMMANDS} separate jobs), median of ${RUNS} runs`,
          value: spread(perCommand, 'ms', (value) => round(value, 2)),
          target: platform === 'slack' ? '≤ 4 ms' : 'reported',
          met: platform === 'slack' ? percentile(perCommand, 50) <= 4 : 'report',
          details: { cpuPerCommandMedianMs: percentile(perCommand, 50) },
        });
      }
    }
  }
  return [...results, ...cpu];
}
