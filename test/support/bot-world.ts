/**
 * The whole bot as `npm start` runs it (`startBot`: services, both adapters, the shared HTTP server) against a
 * Skidio simulator, a fake Discord and a fake Slack, with a collecting logger. Reliability tests drive it
 * with real interactions and signed slash commands, and read the final reply each command got.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { type RunningBot, startBot } from '../../src/bot.js';
import { type Config, configSecrets, loadConfig } from '../../src/config.js';
import type { ServiceOverrides } from '../../src/services.js';
import {
  type SimulatorOptions,
  type SkidioSimulator,
  startSkidioSimulator,
} from '../../src/simulator/index.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeDiscord,
  type FakeGuild,
  type InteractionPayload,
  type RecordedRequest,
  type SlashCommandInput,
  slashCommand,
  startFakeDiscord,
} from '../fakes/discord/index.js';
import {
  type AppResponse,
  type FakeChannelSpec,
  type FakeSlack,
  type RecordedCall,
  type SlashCommandFields,
  sendSlashCommand,
  startFakeSlack,
} from '../fakes/slack/index.js';
import { TEST_API_KEY, TEST_ENCRYPTION_SECRET } from './bot-stack.js';
import { createTestLogger, type TestLogger } from './test-logger.js';

/** Known platform secrets: tests assert none of them ever shows up where it must not. */
export const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.reliability-discord-token.never-log';
export const SLACK_TOKEN = 'xoxb-reliability-slack-token-7a7a7a';
export const SIGNING_SECRET = 'reliability-signing-secret-3c3c3c';

/** The workspace ids of the fakes' defaults. */
export const DISCORD_WORKSPACE = `discord:${DEFAULT_GUILD_ID}`;
export const SLACK_WORKSPACE = 'slack:T0000001';

/** What a world is made of; every field has a default. */
export interface WorldOptions {
  /** Guilds of the fake Discord (default: its one default guild). */
  guilds?: FakeGuild[];
  /** Conversations of the fake Slack (default: its defaults, C_PUBLIC among them). */
  slackChannels?: Record<string, FakeChannelSpec>;
  /** Keys the simulator accepts (default: TEST_API_KEY). */
  apiKeys?: string[];
  /** Stored before any command: workspace id → API key (default: TEST_API_KEY for both default workspaces). */
  keys?: Record<string, string>;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  overrides?: ServiceOverrides;
}

/** A running bot and its fakes. */
export interface World {
  simulator: SkidioSimulator;
  discord: FakeDiscord;
  slack: FakeSlack;
  bot: RunningBot;
  log: TestLogger;
  config: Config;
  storeDir: string;
  /** `http://127.0.0.1:PORT/slack/events` on the bot's own HTTP server. */
  slackUrl: string;
  /** Sends `/skidio …` on Discord, in the default guild and channel unless the input says otherwise. */
  discordCommand(
    input: Omit<SlashCommandInput, 'channelId'> & { channelId?: string },
  ): Promise<InteractionPayload>;
  /** Sends `/skidio status <jobId>` on Discord. */
  discordStatus(jobId: string, where?: { guildId: string; channelId: string }): Promise<InteractionPayload>;
  /** Sends a signed `/skidio <text>` to the bot, as U_MEMBER in C_PUBLIC unless `fields` say otherwise. */
  slackCommand(text: string, fields?: Partial<SlashCommandFields>): Promise<AppResponse>;
  /** The first edit of the interaction's reply that Discord accepted and that is not a progress line. */
  discordFinal(payload: InteractionPayload, timeoutMs?: number): Promise<RecordedRequest>;
  /**
   * The first Slack call at or after index `since` that is a final reply (a text, or the shared images), in
   * `channel` when given (replies carry no team: concurrent tests tell workspaces apart by channel).
   */
  slackFinal(since: number, options?: { channel?: string; timeoutMs?: number }): Promise<RecordedCall>;
  close(): Promise<void>;
}

/** Progress lines start with these; anything else the bot says about a job is its last word. */
const PROGRESS_LINE = /^(⏳|🎨|❔)/u;

/** True for a reply text that ends a command (a result, an error, a refusal), not a progress line. */
export function isFinalText(text: string): boolean {
  return text !== '' && !PROGRESS_LINE.test(text);
}

/** The `content` of a recorded Discord message body (or of a callback's `data`). */
export function discordContent(request: RecordedRequest): string {
  const json = request.json as { content?: unknown; data?: { content?: unknown } } | undefined;
  const content = json?.content ?? json?.data?.content;
  return typeof content === 'string' ? content : '';
}

/** The text a Slack call shows: `text`, or the comment of shared files. */
export function slackText(call: RecordedCall): string {
  const text = call.args.text ?? call.args.initial_comment;
  return typeof text === 'string' ? text : '';
}

const SLACK_REPLY_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);

/** Is this Slack call the end of a command: the images shared, or a final text? */
export function isFinalSlackCall(call: RecordedCall): boolean {
  if (call.method === 'files.completeUploadExternal') return call.ok;
  return SLACK_REPLY_METHODS.has(call.method) && call.ok && isFinalText(slackText(call));
}

/** Is this an edit of that interaction's original reply? */
export const isOriginalEditOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.method === 'PATCH' &&
  request.path === `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;

/** Is this the callback (the acknowledgement) of that interaction? */
export const isCallbackOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.path === `/interactions/${payload.id}/${payload.token}/callback`;

/** Starts the simulator, both fakes and the bot on a fresh SQLite store. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const simulator = await startSkidioSimulator({
    apiKeys: options.apiKeys ?? [TEST_API_KEY],
    queueMs: 100,
    runMs: 150,
    ...options.simulator,
  });
  const discord = await startFakeDiscord(options.guilds ? { guilds: options.guilds } : {});
  // Before the bot: Bolt checks the token with auth.test at start.
  const slack = await startFakeSlack({
    botToken: SLACK_TOKEN,
    ...(options.slackChannels ? { channels: options.slackChannels } : {}),
  });
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-reliability-'));
  const config = loadConfig({
    SKIDIO_API_URL: simulator.url,
    DISCORD_TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
    KEY_ENCRYPTION_SECRET: TEST_ENCRYPTION_SECRET,
    SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
    // Tests send bursts from one person; the limits have tests of their own.
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
    ...options.env,
  });
  const log = createTestLogger();
  // As main does: every configured secret is scrubbed from log lines.
  for (const secret of configSecrets(config)) log.secrets.add(secret);
  const bot = await startBot(
    config,
    { logger: log.logger, secrets: log.secrets },
    {
      schedule: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 1.5 },
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
      ...options.overrides,
    },
  );
  const keys = options.keys ?? { [DISCORD_WORKSPACE]: TEST_API_KEY, [SLACK_WORKSPACE]: TEST_API_KEY };
  for (const [workspace, key] of Object.entries(keys)) await bot.services.keys.set(workspace, key, 'setup');
  const slackUrl = `http://127.0.0.1:${bot.http.port}/slack/events`;
  let responseUrls = 0;

  const world: World = {
    simulator,
    discord,
    slack,
    bot,
    log,
    config,
    storeDir,
    slackUrl,
    async discordCommand(input) {
      const payload = slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, ...input });
      await discord.dispatchInteraction(payload);
      return payload;
    },
    discordStatus(jobId, where) {
      return world.discordCommand({
        ...where,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: jobId }],
      });
    },
    slackCommand(text, fields = {}) {
      responseUrls += 1;
      return sendSlashCommand(slackUrl, SIGNING_SECRET, {
        text,
        user_id: 'U_MEMBER',
        channel_id: 'C_PUBLIC',
        response_url: slack.responseUrl(`r${responseUrls}`),
        ...fields,
      });
    },
    discordFinal(payload, timeoutMs = 10_000) {
      return discord.waitForRequest(
        (request) =>
          isOriginalEditOf(payload)(request) && request.status < 300 && isFinalText(discordContent(request)),
        timeoutMs,
      );
    },
    slackFinal(since, { channel, timeoutMs = 10_000 } = {}) {
      const inChannel = (call: RecordedCall) =>
        channel === undefined || (call.args.channel ?? call.args.channel_id) === channel;
      return vi.waitFor(
        () => {
          const found = slack.calls.slice(since).find((call) => inChannel(call) && isFinalSlackCall(call));
          if (!found) {
            const seen = slack.calls.slice(since).map((call) => `${call.method}:${call.error ?? 'ok'}`);
            throw new Error(`no final Slack reply yet; calls since ${since}: ${seen.join(', ') || 'none'}`);
          }
          return found;
        },
        { timeout: timeoutMs, interval: 20 },
      );
    },
    async close() {
      await bot.stop();
      await discord.close();
      await slack.close();
      await simulator.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
  return world;
}
