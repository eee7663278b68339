/**
 * The crowd the figures 8–10 send: `status` commands from 300 different people at about 250 a second, never
 * more than 50 unanswered, to a bot that runs as `npm start` runs it (built `dist/`, its own process) on one
 * platform, with the Skidio simulator in a third process. `BENCH_BOT_DIR` runs another checkout's build
 * (A/B against main); `BENCH_BOT_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` profiles the bot.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../test/fakes/discord/index.js';
import { sendSlashCommand } from '../test/fakes/slack/index.js';
import {
  DISCORD_KEY,
  type ProcessWorld,
  SIGNING_SECRET,
  SLACK_KEY,
  startProcessWorld,
} from '../test/main/process-world.js';
import { type BotProcess, killBotProcess, startBotProcess } from '../test/support/bot-process.js';
import { type RemoteSimulator, startRemoteSimulator } from './simulator-process.js';

export const COMMANDS = 300;
export const PER_SECOND = 250;
export const MAX_IN_FLIGHT = 50;
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** Where the crowd's commands go: Discord over the gateway or over HTTP (`DISCORD_PUBLIC_KEY`), or Slack. */
export type Platform = 'discord' | 'discord-http' | 'slack';

/** A bot on one platform, its fakes and its simulator. */
export interface CrowdWorld {
  platform: Platform;
  world: ProcessWorld;
  simulator: RemoteSimulator;
  bot: BotProcess;
  port: string;
  /** Sends person `index`'s `/skidio status <jobId>`; resolves when the platform has the bot's ack. */
  send(index: number, jobId: string): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fakes, a simulator whose jobs run `runMs`, and the built bot on `platform` only. */
export async function startCrowdWorld(platform: Platform, runMs: number): Promise<CrowdWorld> {
  const world = await startProcessWorld();
  // The Skidio API in a third process: drawing 300 images must not slow down the fake platforms.
  const simulator = await startRemoteSimulator([DISCORD_KEY, SLACK_KEY], { queueMs: 0, runMs });
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
  if (platform === 'discord-http') env.DISCORD_PUBLIC_KEY = world.discord.publicKey;
  const nodeArgs = process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const bot = await startBotProcess(env, 60_000, { built: true, cwd: process.env.BENCH_BOT_DIR, nodeArgs });
  const port = env.PORT ?? '';
  return {
    platform,
    world,
    simulator,
    bot,
    port,
    async send(index, jobId) {
      if (platform === 'slack') {
        const answer = await sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, {
          text: `status ${jobId}`,
          user_id: `U_CROWD_${index}`,
          channel_id: 'C_PUBLIC',
        });
        if (answer.status !== 200) throw new Error(`Slack command answered HTTP ${answer.status}`);
        return;
      }
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        user: { id: String(800_000 + index), username: `crowd${index}` },
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: jobId }],
      });
      if (platform === 'discord-http') {
        // Signed, as Discord signs it; the bot's answer to the POST is its ack.
        const interactionsUrl = `http://127.0.0.1:${port}/discord/interactions`;
        const answer = await world.discord.sendInteractionOverHttp(interactionsUrl, payload);
        if (answer.status !== 200) throw new Error(`Discord interaction answered HTTP ${answer.status}`);
        return;
      }
      const acked = world.discord.waitForRequest(
        (request) => request.path === `/interactions/${payload.id}/${payload.token}/callback`,
        60_000,
      );
      await world.discord.dispatchInteraction(payload);
      await acked;
    },
    async close() {
      // A clean stop, so that a profiled bot writes its profile.
      bot.child.kill('SIGTERM');
      await Promise.race([bot.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      await killBotProcess(bot);
      await simulator.close();
      await world.close();
    },
  };
}

/** Sends `count` commands at `PER_SECOND`, never more than `MAX_IN_FLIGHT` unanswered; returns round trips. */
export async function sendCrowd(count: number, send: (index: number) => Promise<void>): Promise<number[]> {
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

/** CPU time (user + system) the process `pid` has used so far, in ms, from /proc (Linux). */
export async function processCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node runs on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/** The median of `values` with their range, for a table cell. */
export function spread(values: number[], unit: string, format: (value: number) => number): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.ceil(sorted.length / 2) - 1] ?? Number.NaN;
  return `${format(median)} ${unit} (${format(sorted[0] ?? Number.NaN)}–${format(sorted.at(-1) ?? Number.NaN)})`;
}
