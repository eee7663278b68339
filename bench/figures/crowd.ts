/**
 * Figure 8: acks under a crowd, measured from outside the bot (see crowd-load.ts for the crowd and the
 * processes), on jobs that complete one second after they are first checked, so acks compete with polls,
 * progress edits and uploads. Three runs; the median and the spread of each run's p99.
 */
import {
  COMMANDS,
  MAX_IN_FLIGHT,
  PER_SECOND,
  type Platform,
  RUNS,
  sendCrowd,
  spread,
  startCrowdWorld,
} from '../crowd-load.js';
import { type FigureResult, percentile, round } from '../figure.js';

interface RunResult {
  botP99Ms: number;
  roundTripP99Ms: number;
}

function botQuantile(metrics: string, platform: Platform, q: string): number {
  const line = metrics
    .split('\n')
    .find(
      (text) =>
        text.startsWith('skidio_ack_latency_seconds{') &&
        text.includes(`platform="${platform}"`) &&
        text.includes(`quantile="${q}"`),
    );
  return Number(line?.split(' ').at(-1) ?? Number.NaN) * 1000;
}

async function runOnce(platform: Platform, run: number): Promise<RunResult> {
  const crowd = await startCrowdWorld(platform, 1_000);
  try {
    const roundTrips = await sendCrowd(COMMANDS, (index) =>
      crowd.send(index, `crowd-${run}-${platform[0]}${index}`),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${crowd.port}/metrics`)).text();
    return { botP99Ms: botQuantile(metrics, platform, '0.99'), roundTripP99Ms: percentile(roundTrips, 99) };
  } finally {
    await crowd.close();
  }
}

export async function measureCrowd(): Promise<FigureResult[]> {
  const results: FigureResult[] = [];
  for (const platform of ['slack', 'discord'] as const) {
    const runs: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await runOnce(platform, run));
    const bot = runs.map((result) => result.botP99Ms);
    const roundTrip = runs.map((result) => result.roundTripP99Ms);
    const median = percentile(bot, 50);
    results.push({
      id: `8 ${platform === 'slack' ? 'Slack' : 'Discord'}`,
      what: `ack p99 under a crowd (${COMMANDS} commands at ${PER_SECOND}/s, ≤ ${MAX_IN_FLIGHT} in flight; bot in its own process), median of ${RUNS} runs`,
      value: `in the bot ${spread(bot, 'ms', round)}; round trip seen by the sender ${spread(roundTrip, 'ms', round)}`,
      target: 'p99 ≤ 50 ms',
      met: median <= 50,
      details: {
        botP99MedianMs: median,
        botP99MinMs: Math.min(...bot),
        botP99MaxMs: Math.max(...bot),
        roundTripP99MedianMs: percentile(roundTrip, 50),
      },
    });
  }
  return results;
}
