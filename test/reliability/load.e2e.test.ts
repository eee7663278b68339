// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type InteractionPayload, slashCommand } from '../fakes/discord/index.js';
import type { AppResponse } from '../fakes/slack/index.js';
import { discordContent, slackText, startWorld, type World } from '../support/bot-world.js';
import { collectProcessFaults } from './process-faults.js';

/**
 * A burst of 500 `/skidio status` commands across 20 workspaces (10 Discord servers, 10 Slack workspaces),
 * sent at once through the real discord.js and Bolt: every command is acknowledged, every one gets its final
 * reply, nothing goes unhandled, and memory stays bounded. A guard, not a benchmark (`npm run bench` measures):
 * the memory bound is generous and no duration is asserted.
 */

const WORKSPACES_PER_PLATFORM = 10;
const COMMANDS_PER_WORKSPACE = 25;
/** RSS growth allowed over the burst. */
const MAX_RSS_GROWTH_BYTES = 400 * 1024 * 1024;

const pad = (n: number) => String(n).padStart(2, '0');
const guilds = Array.from({ length: WORKSPACES_PER_PLATFORM }, (_, i) => ({
  id: `2000000000000000${200 + i}`,
  channel: `3000000000000000${200 + i}`,
  key: `sk-load-guild-${pad(i)}-a1b2c3`,
}));
const teams = Array.from({ length: WORKSPACES_PER_PLATFORM }, (_, i) => ({
  id: `T_LOAD${pad(i)}`,
  channel: `C_LOAD${pad(i)}`,
  key: `sk-load-team-${pad(i)}-d4e5f6`,
}));
/** One job in five runs through queued and running; the rest are already done. The same ids in every workspace. */
const jobIds = Array.from(
  { length: COMMANDS_PER_WORKSPACE },
  (_, j) => `${j % 5 === 0 ? 'demo' : 'done'}-load-${j}`,
);

const faults = collectProcessFaults();
let world: World | undefined;
afterAll(async () => {
  await world?.close();
  faults.stop();
});

/** Samples RSS until stopped; reports the baseline and the peak. */
function sampleRss(intervalMs = 25): { stop(): { baseline: number; peak: number } } {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage().rss);
      return { baseline, peak };
    },
  };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

describe('load', () => {
  it('answers a burst of 500 status commands across 20 workspaces on both platforms', {
    timeout: 120_000,
  }, async () => {
    world = await startWorld({
      guilds: guilds.map((guild) => ({ id: guild.id, channels: [{ id: guild.channel, name: 'general' }] })),
      slackChannels: Object.fromEntries(teams.map((team) => [team.channel, { isMember: true }])),
      apiKeys: [...guilds, ...teams].map((workspace) => workspace.key),
      keys: Object.fromEntries([
        ...guilds.map((guild) => [`discord:${guild.id}`, guild.key]),
        ...teams.map((team) => [`slack:${team.id}`, team.key]),
      ]),
      simulator: { queueMs: 50, runMs: 100, imageSize: 64 },
    });
    const current = world;
    const rss = sampleRss();

    const payloads: InteractionPayload[] = guilds.flatMap((guild) =>
      jobIds.map((jobId) =>
        slashCommand({
          guildId: guild.id,
          channelId: guild.channel,
          subcommand: 'status',
          options: [{ name: 'job_id', type: 3, value: jobId }],
        }),
      ),
    );
    const slackCommands = teams.flatMap((team) => jobIds.map((jobId) => ({ team, jobId })));
    const [, slackAcks] = await Promise.all([
      Promise.all(payloads.map((payload) => current.discord.dispatchInteraction(payload))),
      Promise.all(
        slackCommands.map(
          ({ team, jobId }): Promise<AppResponse> =>
            current.slackCommand(`status ${jobId}`, { team_id: team.id, channel_id: team.channel }),
        ),
      ),
    ]);

    // Every command acknowledged: Slack's HTTP answer here, Discord's deferral below.
    expect(slackAcks.filter((ack) => ack.status !== 200)).toEqual([]);
    const jobOf = (text: string) => /`([^`]+)`/.exec(text)?.[1] ?? '?';
    /** Counts per interaction (by callback and reply path) and per Slack channel and job, in one pass each. */
    const tally = () => {
      const acks = new Map<string, number>();
      const images = new Map<string, number>();
      for (const request of current.discord.requests) {
        if (request.path.endsWith('/callback') && request.status === 204) {
          acks.set(request.path, (acks.get(request.path) ?? 0) + 1);
        } else if (request.method === 'PATCH' && request.status === 200 && request.files.length > 0) {
          images.set(request.path, (images.get(request.path) ?? 0) + 1);
        }
      }
      const shares = new Map<string, number>();
      for (const call of current.slack.calls) {
        if (call.method !== 'files.completeUploadExternal' || !call.ok) continue;
        const key = `${String(call.args.channel_id)} ${jobOf(slackText(call))}`;
        shares.set(key, (shares.get(key) ?? 0) + 1);
      }
      return { acks, images, shares };
    };
    const callbackPath = (payload: InteractionPayload) =>
      `/interactions/${payload.id}/${payload.token}/callback`;
    const replyPath = (payload: InteractionPayload) =>
      `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;
    await vi.waitFor(
      () => {
        const { acks, images, shares } = tally();
        expect({ acked: acks.size, answered: images.size, shared: shares.size }).toEqual({
          acked: payloads.length,
          answered: payloads.length,
          shared: slackCommands.length,
        });
      },
      { timeout: 100_000, interval: 250 },
    );
    // Exactly once each: one acknowledgement and one image post per interaction, one share per Slack command.
    const { acks, images, shares } = tally();
    expect(payloads.filter((payload) => acks.get(callbackPath(payload)) !== 1)).toEqual([]);
    expect(payloads.filter((payload) => images.get(replyPath(payload)) !== 1)).toEqual([]);
    expect(slackCommands.filter(({ team, jobId }) => shares.get(`${team.channel} ${jobId}`) !== 1)).toEqual(
      [],
    );
    await current.bot.services.watcher.idle();
    const { baseline, peak } = rss.stop();

    // Every final reply was a result: no error, no unexpected failure, on either platform.
    const discordTexts = current.discord.requests.map(discordContent);
    const slackTexts = current.slack.calls.map(slackText);
    for (const text of [...discordTexts, ...slackTexts]) expect(text).not.toMatch(/^(💥|🌩️|🐢|🔑|🔍|⚠️)/u);
    // Each workspace's jobs were checked with that workspace's key only.
    const keysByJob = new Map<string, Set<string>>();
    for (const request of current.simulator.requests) {
      const keys = keysByJob.get(request.jobId ?? '') ?? new Set();
      keys.add(request.apiKey ?? '');
      keysByJob.set(request.jobId ?? '', keys);
    }
    for (const jobId of jobIds) expect(keysByJob.get(jobId)?.size, jobId).toBe(20);
    expect(faults.describe()).toEqual([]);
    expect(current.log.entries().filter((entry) => Number(entry.level) >= 50)).toEqual([]);

    console.log(
      `load: 500 commands; peak RSS ${mib(peak)} (baseline ${mib(baseline)}, growth ${mib(peak - baseline)}); ` +
        `${current.simulator.requests.length} Skidio requests, ${current.discord.requests.length} Discord requests, ` +
        `${current.slack.calls.length} Slack calls`,
    );
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  });
});
