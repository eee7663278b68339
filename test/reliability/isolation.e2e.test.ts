// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { discordContent, slackText, startWorld, type World } from '../support/bot-world.js';
import { collectProcessFaults } from './process-faults.js';

/**
 * Workspace isolation with two Discord servers and two Slack workspaces, each with its own key, asking about
 * jobs with the same id. The simulator records the key of every request: that is the proof of which key
 * reached the Skidio API for which workspace.
 */

const GUILDS = [
  { id: '2000000000000000101', channel: '3000000000000000101', key: 'sk-guild-one-1111aaaa' },
  { id: '2000000000000000102', channel: '3000000000000000102', key: 'sk-guild-two-2222bbbb' },
];
const TEAMS = [
  { id: 'T_ALPHA', channel: 'C_ALPHA', key: 'sk-team-alpha-3333cccc' },
  { id: 'T_BETA', channel: 'C_BETA', key: 'sk-team-beta-4444dddd' },
];

interface Workspace {
  name: string;
  key: string;
  /** Sends `/skidio status <jobId>` from this workspace; resolves with the reply it ended with. */
  ask(jobId: string): Promise<{ text: string; images: number }>;
}

const faults = collectProcessFaults();
let world: World;
let workspaces: Workspace[];

beforeAll(async () => {
  world = await startWorld({
    guilds: GUILDS.map((guild) => ({ id: guild.id, channels: [{ id: guild.channel, name: 'general' }] })),
    // One channel per team: Slack's replies carry no team, so concurrent replies are told apart by channel.
    slackChannels: Object.fromEntries(TEAMS.map((team) => [team.channel, { isMember: true }])),
    apiKeys: [...GUILDS, ...TEAMS].map((workspace) => workspace.key),
    keys: Object.fromEntries([
      ...GUILDS.map((guild) => [`discord:${guild.id}`, guild.key]),
      ...TEAMS.map((team) => [`slack:${team.id}`, team.key]),
    ]),
  });
  workspaces = [
    ...GUILDS.map((guild) => ({
      name: `discord:${guild.id}`,
      key: guild.key,
      async ask(jobId: string) {
        const payload = await world.discordStatus(jobId, { guildId: guild.id, channelId: guild.channel });
        const final = await world.discordFinal(payload);
        return { text: discordContent(final), images: final.files.length };
      },
    })),
    ...TEAMS.map((team) => ({
      name: `slack:${team.id}`,
      key: team.key,
      async ask(jobId: string) {
        const since = world.slack.calls.length;
        await world.slackCommand(`status ${jobId}`, { team_id: team.id, channel_id: team.channel });
        const final = await world.slackFinal(since, { channel: team.channel });
        const files = final.method === 'files.completeUploadExternal' ? (final.args.files as unknown[]) : [];
        return { text: slackText(final), images: files.length };
      },
    })),
  ];
});
afterAll(async () => {
  await world.close();
  faults.stop();
});
afterEach(async () => {
  await world.bot.services.watcher.idle();
  expect(faults.describe()).toEqual([]);
});

/** The keys that reached the Skidio API for `jobId` among the requests from index `since` on. */
function keysSeen(jobId: string, since = 0): string[] {
  return world.simulator.requests
    .slice(since)
    .filter((request) => request.jobId === jobId)
    .map((request) => request.apiKey ?? '(none)');
}

describe('workspace isolation', () => {
  it('checks the same job id with each workspace’s own key, one workspace at a time', async () => {
    for (const workspace of workspaces) {
      const since = world.simulator.requests.length;
      const told = await workspace.ask('done-same-id');
      expect(told.images, workspace.name).toBe(1);
      const keys = keysSeen('done-same-id', since);
      expect(keys.length, workspace.name).toBeGreaterThan(0);
      expect(new Set(keys), workspace.name).toEqual(new Set([workspace.key]));
    }
  });

  it('keeps four simultaneous watches of one job id apart, each polled with its own key', async () => {
    // A job that finishes only when told to, so every watch has time to poll it more than once.
    const jobId = 'never-same-id';
    const since = world.simulator.requests.length;
    const replies = Promise.all(workspaces.map((workspace) => workspace.ask(jobId)));
    // One watch per workspace (never one shared poll): each key keeps polling the job on its own.
    await vi.waitFor(
      () => {
        const keys = keysSeen(jobId, since);
        for (const workspace of workspaces) {
          expect(keys.filter((key) => key === workspace.key).length, workspace.name).toBeGreaterThanOrEqual(
            2,
          );
        }
      },
      { timeout: 10_000 },
    );
    world.simulator.completeNow(jobId);
    expect((await replies).map((reply) => reply.images)).toEqual([1, 1, 1, 1]);
    expect(new Set(keysSeen(jobId, since))).toEqual(new Set(workspaces.map((workspace) => workspace.key)));
  });

  it('never shows one workspace a job only another workspace’s key can see', async () => {
    const [owner, ...others] = workspaces;
    if (!owner) throw new Error('no workspaces');
    const submitted = await fetch(`${world.simulator.url}/txt2img/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: { api_key: owner.key }, prompt: 'a lighthouse', model: 'sdxl' }),
    });
    const { id } = (await submitted.json()) as { id: string };
    world.simulator.completeNow(id);

    expect((await owner.ask(id)).images).toBe(1);
    for (const other of others) {
      const told = await other.ask(id);
      expect(told.text, other.name).toBe(
        // Discord says "server" where Slack says "workspace".
        `🔍 Skidio has no job \`${id}\` for this ${other.name.startsWith('discord') ? 'server' : 'workspace'}'s API key. Check the job id.`,
      );
    }
    // Each asked with its own key; only the owner's could see the job.
    expect(new Set(keysSeen(id))).toEqual(new Set(workspaces.map((workspace) => workspace.key)));
    expect(world.simulator.jobs.get(id)?.askedBy).toEqual([owner.key]);
  });

  it('clearing one workspace’s key leaves the others working, and sends no key for it', async () => {
    const [first, second] = workspaces;
    if (!first || !second) throw new Error('no workspaces');
    await world.bot.services.keys.clear(second.name);
    const since = world.simulator.requests.length;
    expect((await second.ask('done-after-clear')).text).toMatch(/has no Skidio API key yet/);
    expect(keysSeen('done-after-clear', since)).toEqual([]);
    expect((await first.ask('done-after-clear')).images).toBe(1);
    expect(new Set(keysSeen('done-after-clear', since))).toEqual(new Set([first.key]));
  });
});
