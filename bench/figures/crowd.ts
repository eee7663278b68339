/**
 * Figure 8: acks under a crowd, measured from outside the bot. The bot runs as `npm start` runs it (the built
 * `dist/`, its own process); this process plays Discord and Slack and generates the load, and the Skidio API
 * simulator runs in a third. The load: 300 `status` commands per platform at about 250 a second, at most 50
 * unanswered at once, on jobs that complete one second after they are first checked, so acks compete with
 * polls, progress edits and uploads.
 * Three runs; the median and the spread of each run's p99. `BENCH_BOT_DIR` runs another checkout's build
 * (A/B against main); `BENCH_RUNS` changes the number of runs.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../../test/fakes/discord/index.js';
import { sendSlashCommand } from '../../test/fakes/slack/index.js';
import { DISCORD_KEY, SIGNING_SECRET, SLACK_KEY, startProcessWorld } from '../../test/main/process-world.js';
import { killBotProcess, startBotProcess } from '../../test/support/bot-process.js';
import { type FigureResult, percentile, round } from '../figure.js';
import { startRemoteSimulator } from '../simulator-process.js';

const COMMANDS = 300;
const PER_SECOND = 250;
const MAX_IN_FLIGHT = 50;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

type Platform = 'discord' | 'slack';

interface RunResult {
  botP99Ms: number;
  roundTripP99Ms: number;
}

/** Sends `count` commands at `PER_SECOND`, never more than `MAX_IN_FLIGHT` unanswered; returns round trips. */
async function crowd(count: number, send: (index: number) => Promise<void>): Promise<number[]> {
  const roundTrips: number[] = [];
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    const due = start + (index * 1000) / PER_SECOND;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    const sent = performance.now();
    const one = send(index).then(() => {
      roundTrips.push(performance.now() - sent);
      inFlight.delete(one);
    });
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return roundTrips;
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
  const world = await startProcessWorld();
  // The Skidio API in a third process: drawing 300 images must not slow down the fake platforms.
  const simulator = await startRemoteSimulator([DISCORD_KEY, SLACK_KEY], { queueMs: 0, runMs: 1_000 });
  const env: Record<string, string> = {
    ...world.env,
    SKIDIO_API_URL: simulator.url,
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
    MAX_WATCHES_PER_WORKSPACE: '10000',
  };
  if (platform === 'slack') delete env.DISCORD_TOKEN;
  else {
    delete env.SLACK_BOT_TOKEN;
    delete env.SLACK_SIGNING_SECRET;
  }
  // `BENCH_BOT_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` profiles the bot under the crowd.
  const nodeArgs = process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const bot = await startBotProcess(env, 60_000, { built: true, cwd: process.env.BENCH_BOT_DIR, nodeArgs });
  try {
    const roundTrips =
      platform === 'slack'
        ? await crowd(COMMANDS, async (index) => {
            const answer = await sendSlashCommand(
              `http://127.0.0.1:${env.PORT}/slack/events`,
              SIGNING_SECRET,
              {
                text: `status crowd-${run}-s${index}`,
                user_id: `U_CROWD_${index}`,
                channel_id: 'C_PUBLIC',
              },
            );
            if (answer.status !== 200) throw new Error(`Slack command answered HTTP ${answer.status}`);
          })
        : await crowd(COMMANDS, async (index) => {
            const payload = slashCommand({
              guildId: DEFAULT_GUILD_ID,
              channelId: DEFAULT_CHANNEL_ID,
              user: { id: String(800_000 + index), username: `crowd${index}` },
              subcommand: 'status',
              options: [{ name: 'job_id', type: 3, value: `crowd-${run}-d${index}` }],
            });
            const acked = world.discord.waitForRequest(
              (request) => request.path === `/interactions/${payload.id}/${payload.token}/callback`,
              60_000,
            );
            await world.discord.dispatchInteraction(payload);
            await acked;
          });
    const metrics = await (await fetch(`http://127.0.0.1:${env.PORT}/metrics`)).text();
    return { botP99Ms: botQuantile(metrics, platform, '0.99'), roundTripP99Ms: percentile(roundTrips, 99) };
  } finally {
    // A clean stop, so that a profiled bot writes its profile.
    bot.child.kill('SIGTERM');
    await Promise.race([bot.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    await killBotProcess(bot);
    await simulator.close();
    await world.close();
  }
}

function spread(values: number[]): string {
  return `${round(percentile(values, 50))} ms (${round(Math.min(...values))}–${round(Math.max(...values))})`;
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
      value: `in the bot ${spread(bot)}; round trip seen by the sender ${spread(roundTrip)}`,
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
