/**
 * Everything around a bot process: the Skidio simulator, fake Discord and fake Slack in the test process,
 * a SQLite store with both workspaces' API keys, and the environment that points the bot at all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/ports.js';
import { createKeyring } from '../../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../../src/core/workspace-key-store.js';
import {
  type SimulatorOptions,
  type SkidioSimulator,
  startSkidioSimulator,
} from '../../src/simulator/index.js';
import { createKeyvStore } from '../../src/store/keyv-store.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeDiscord,
  type InteractionPayload,
  slashCommand,
  startFakeDiscord,
} from '../fakes/discord/index.js';
import { type AppResponse, type FakeSlack, sendSlashCommand, startFakeSlack } from '../fakes/slack/index.js';
import { freePort } from '../support/bot-process.js';
import { type StoredWatchWithAskers, storedWatches } from '../support/stored-watches.js';

export const DISCORD_KEY = 'sk-process-discord-key-7c1d';
export const SLACK_KEY = 'sk-process-slack-key-2e9b';
export const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.process-discord-token.never-log';
export const SLACK_TOKEN = 'xoxb-process-slack-token-31';
export const SIGNING_SECRET = 'process-signing-secret-8f2a';
const ENCRYPTION_SECRET = 'process-encryption-secret-0123456789';

/** The world a bot process runs in. */
export interface ProcessWorld {
  simulator: SkidioSimulator;
  discord: FakeDiscord;
  slack: FakeSlack;
  /** The bot's environment; the same for every process of one test, so they share the store. */
  env: Record<string, string>;
  /** Every secret the bot knows: none may appear in its output. */
  secrets: string[];
  /** `/skidio status <jobId>` in the fake guild's channel. */
  discordStatus(jobId: string): Promise<InteractionPayload>;
  /** `/skidio status <jobId>` in Slack's `C_PUBLIC`, signed, to the bot's HTTP port. */
  slackStatus(jobId: string): Promise<AppResponse>;
  /** The watch records in the store, read as a second process would. */
  storedWatches(): Promise<StoredWatchWithAskers[]>;
  close(): Promise<void>;
}

/** Starts the fakes and prepares the store; `slackApiUrl` may put a proxy in front of the fake Slack. */
export async function startProcessWorld(
  options: {
    slackApiUrl?: (fakeApiUrl: string) => Promise<string>;
    /** A store other than a fresh SQLite file: `redis://…/<db>` for several instances. */
    storeUrl?: string;
    /** Simulator options (the Skidio fake runs in this process). */
    simulator?: Omit<SimulatorOptions, 'apiKeys'>;
    /** Extra environment for every bot process. */
    env?: Record<string, string>;
  } = {},
): Promise<ProcessWorld> {
  const simulator = await startSkidioSimulator({ apiKeys: [DISCORD_KEY, SLACK_KEY], ...options.simulator });
  const discord = await startFakeDiscord();
  const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-process-'));
  const port = await freePort();
  const env: Record<string, string> = {
    SKIDIO_API_URL: simulator.url,
    DISCORD_TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: options.slackApiUrl ? await options.slackApiUrl(slack.apiUrl) : slack.apiUrl,
    PORT: String(port),
    STORE_URL: options.storeUrl ?? `sqlite://${join(storeDir, 'bot.sqlite')}`,
    KEY_ENCRYPTION_SECRET: ENCRYPTION_SECRET,
    SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const location = loadConfig(env).store;
  const store = createKeyvStore(location, silentLogger);
  const keys = createWorkspaceKeyStore(store, createKeyring(ENCRYPTION_SECRET));
  await keys.set(`discord:${DEFAULT_GUILD_ID}`, DISCORD_KEY, 'admin');
  await keys.set(`slack:${slack.teamId}`, SLACK_KEY, 'admin');
  await store.close();

  return {
    simulator,
    discord,
    slack,
    env,
    secrets: [DISCORD_KEY, SLACK_KEY, DISCORD_TOKEN, SLACK_TOKEN, SIGNING_SECRET, ENCRYPTION_SECRET],
    async discordStatus(jobId) {
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: jobId }],
      });
      await discord.dispatchInteraction(payload);
      return payload;
    },
    slackStatus: (jobId) =>
      sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, {
        text: `status ${jobId}`,
        user_id: 'U_MEMBER',
        channel_id: 'C_PUBLIC',
      }),
    async storedWatches() {
      const reader = createKeyvStore(location, silentLogger);
      try {
        return await storedWatches(reader);
      } finally {
        await reader.close();
      }
    },
    async close() {
      await discord.close();
      await slack.close();
      await simulator.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
