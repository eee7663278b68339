/**
 * The whole bot in the test process, assembled as `npm start` assembles it (`startBot`: services, the
 * configured adapters, the shared HTTP server, the stored watches resumed), against a Skidio simulator, a fake
 * Discord and a fake Slack (HTTP or Socket Mode), with a collecting logger. Adapter, reliability and end-to-end
 * tests all start the bot here, with only Discord, only Slack or both; they drive it with real interactions and
 * signed slash commands and assert on what the fakes received. With no platform it is wired as
 * `npm run console` and `npm run demo` wire it (`createBotServices`, watches local), for the console adapter.
 *
 * The only two other ways tests assemble the bot, on purpose:
 * - `test/main/process-world.ts` runs the bot as child processes: several instances on one Redis,
 *   signals, exit codes, kill -9; what only a real process shows.
 * - `test/core/watcher/watcher-world.ts` runs the watcher alone on each engine with a fake clock: a unit
 *   harness for the watch life cycle, with no adapter and no HTTP.
 * (`bench/world.ts` starts the bot as a child process too, for the figures.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { DISCORD_INTERACTIONS_PATH } from '../../src/adapters/discord/http-interactions.js';
import type { PlatformAdapter } from '../../src/adapters/platform.js';
import { SLACK_EVENTS_PATH } from '../../src/adapters/slack/manifest.js';
import { type AdapterOptions, type RunningBot, startBot } from '../../src/bot.js';
import { type Config, configSecrets, loadConfig } from '../../src/config.js';
import { type Clock, type KeyValueStore, systemClock } from '../../src/core/ports.js';
import { createKeyring } from '../../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../../src/core/workspace-key-store.js';
import { type BotServices, createBotServices, type ServiceOverrides } from '../../src/services.js';
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
  type FakeSlackOptions,
  type RecordedCall,
  type SigningOverrides,
  type SlashCommandFields,
  sendInteraction,
  sendSlashCommand,
  startFakeSlack,
  viewSubmission,
} from '../fakes/slack/index.js';
import { type FakeSocketMode, startFakeSocketMode } from '../fakes/slack/socket-mode.js';
import { createTestLogger, type TestLogger } from './test-logger.js';

/** A known API key: tests assert it never reaches a log line or a reply. */
export const TEST_API_KEY = 'sk-test-4f9c2b7e1a6d3c8b';
/** A second key, for workspace isolation tests. */
export const OTHER_API_KEY = 'sk-other-9e8d7c6b5a4f3e2d';
export const TEST_ENCRYPTION_SECRET = 'test-encryption-secret-0123456789';

/** Known platform secrets: tests assert none of them ever shows up where it must not. */
export const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.reliability-discord-token.never-log';
export const SLACK_TOKEN = 'xoxb-reliability-slack-token-7a7a7a';
export const SIGNING_SECRET = 'reliability-signing-secret-3c3c3c';
/** The app token the fake Socket Mode front accepts. */
export const SLACK_APP_TOKEN = 'xapp-1-test-app-token-77';
/** The Slack app's OAuth credentials in `slackInstall: 'oauth'` worlds; the secrets must never leak either. */
export const SLACK_CLIENT_ID = '1000000000.2000000000';
export const SLACK_CLIENT_SECRET = 'oauth-client-secret-5d5d5d5d';
export const SLACK_STATE_SECRET = 'oauth-state-secret-6e6e6e6e6e';

/** The workspace ids of the fakes' defaults. */
export const DISCORD_WORKSPACE = `discord:${DEFAULT_GUILD_ID}`;
export const SLACK_WORKSPACE = 'slack:T0000001';

/** A chat platform the bot can run. */
export type Platform = 'discord' | 'slack';

/** What a world is made of; every field has a default. */
export interface WorldOptions {
  /** The platforms the bot runs (default both); none: the console's wiring, services only. */
  platforms?: readonly Platform[];
  /** How Slack reaches the bot (default `http`): signed requests, or Socket Mode through a fake front. */
  slackMode?: 'http' | 'socket';
  /**
   * How the bot gets Slack bot tokens (default `token`): SLACK_BOT_TOKEN, or Slack OAuth (client id, secret and
   * state secret, PUBLIC_URL on the bot's port, the fake's authorize page): workspaces install it themselves.
   */
  slackInstall?: 'token' | 'oauth';
  /**
   * How Discord reaches the bot (default `gateway`): the fake's gateway, or signed POSTs to
   * `/discord/interactions` (`DISCORD_PUBLIC_KEY` set to the fake application's key).
   */
  discordMode?: 'gateway' | 'http';
  /** Guilds of the fake Discord (default: its one default guild). */
  guilds?: FakeGuild[];
  /** Conversations of the fake Slack (default: its defaults, C_PUBLIC among them). */
  slackChannels?: Record<string, FakeChannelSpec>;
  /** Anything else about the fake Slack (the token it accepts, its users). */
  slackFake?: FakeSlackOptions;
  /** Keys the simulator accepts (default: TEST_API_KEY). */
  apiKeys?: string[];
  /**
   * In the store before the bot first starts, as an admin set them earlier: workspace id → API key (default:
   * TEST_API_KEY for the default workspace of each platform the bot runs).
   */
  keys?: Record<string, string>;
  /** Writes to the store before the bot first starts: what an earlier process left there. */
  seed?: (store: KeyValueStore) => Promise<void>;
  /** PUBLIC_URL on the bot's own port, so imagine's jobs call the bot's webhook route (default: no PUBLIC_URL). */
  webhooks?: boolean;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  overrides?: ServiceOverrides;
  /** Adapter options no variable sets (a short Discord token lifetime, Slack retries); default production's. */
  adapterOptions?: AdapterOptions;
  /**
   * The bot's clock (default the system's). A `createSteppedClock()` stands still until the test advances it:
   * polls, retries, token lifetimes and grace periods wait for the test, while I/O runs in real time.
   */
  clock?: Clock;
  /** Start the bot (default true); false lets a test start it with `start()` and see it fail. */
  start?: boolean;
}

/** A bot and its fakes. */
export interface World {
  simulator: SkidioSimulator;
  /** The fake Discord; throws when the bot does not run Discord. */
  readonly discord: FakeDiscord;
  /** The fake Slack Web API; throws when the bot does not run Slack. */
  readonly slack: FakeSlack;
  /** The Socket Mode front in `slackMode: 'socket'`; throws otherwise. */
  readonly socketMode: FakeSocketMode;
  /** The running bot; throws when it is not running (not started, failed to start, or stopped by the test). */
  readonly bot: RunningBot;
  /** The running bot's services (the console's, with no platform). */
  readonly services: BotServices;
  readonly running: boolean;
  log: TestLogger;
  /** The configuration `start()` and `restart()` use: a test may replace it between runs (a secret rotation). */
  config: Config;
  clock: Clock;
  storeDir: string;
  /** `http://127.0.0.1:PORT/slack/events` on the bot's own HTTP server (the same port across restarts). */
  slackUrl: string;
  /** Interaction tokens dispatched so far: credentials, which no log line may hold. */
  discordTokens: string[];
  /** Starts the bot as `main` does (with no platform: the console's services); rejects with startBot's error. */
  start(): Promise<void>;
  /** Stops the bot as SIGTERM does (watches stay stored), starts it again on the same store; how many resumed. */
  restart(): Promise<number>;
  /** The running bot's adapter for that platform. */
  adapter(platform: Platform): PlatformAdapter;
  /** The checks `/readyz` reports, or undefined when nothing answers on the bot's port. */
  readyChecks(): Promise<Record<string, boolean> | undefined>;
  /** `http://127.0.0.1:PORT/discord/interactions` on the bot's own HTTP server. */
  discordInteractionsUrl: string;
  /** Sends any interaction payload through the fake gateway (over HTTP in `discordMode: 'http'`). */
  discordSend(payload: InteractionPayload): Promise<InteractionPayload>;
  /** Sends `/skidio …` on Discord, in the default guild and channel unless the input says otherwise. */
  discordCommand(
    input: Omit<SlashCommandInput, 'channelId'> & { channelId?: string },
  ): Promise<InteractionPayload>;
  /** Sends `/skidio status <jobId>` on Discord. */
  discordStatus(jobId: string, where?: { guildId: string; channelId: string }): Promise<InteractionPayload>;
  /** Sends a signed `/skidio <text>` to the bot, as U_MEMBER in C_PUBLIC unless `fields` say otherwise. */
  slackCommand(
    text: string,
    fields?: Partial<SlashCommandFields>,
    signing?: SigningOverrides,
  ): Promise<AppResponse>;
  /** Submits the Slack key modal as `userId` with `value` typed in its input. */
  slackSubmitKey(userId: string, value: string | null, channelId?: string): Promise<AppResponse>;
  /** The Slack Web API calls after start-up (auth.test left out), as method names. */
  slackMethods(): string[];
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

/** A port nothing listens on now: the bot's, so tests can reach it while it starts and after a restart. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Fast polls and retries: the production curve would make every test wait seconds. */
const FAST: ServiceOverrides = {
  schedule: { firstCheckMs: 150, cadenceMs: 200 },
  retry: { baseDelayMs: 20, maxDelayMs: 100 },
};

/** Starts the simulator, the enabled platforms' fakes and (unless `start: false`) the bot on a fresh SQLite store. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const platforms = new Set(options.platforms ?? ['discord', 'slack']);
  const socketMode = options.slackMode === 'socket';
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const simulator = await startSkidioSimulator({
      apiKeys: options.apiKeys ?? [TEST_API_KEY],
      queueMs: 100,
      runMs: 150,
      ...options.simulator,
    });
    cleanups.push(() => simulator.close());
    let discord: FakeDiscord | undefined;
    if (platforms.has('discord')) {
      const fake = await startFakeDiscord(options.guilds ? { guilds: options.guilds } : {});
      cleanups.push(() => fake.close());
      discord = fake;
    }
    let slack: FakeSlack | undefined;
    let front: FakeSocketMode | undefined;
    if (platforms.has('slack')) {
      // Before the bot: Bolt checks the token with auth.test at start.
      const fake = await startFakeSlack({
        botToken: SLACK_TOKEN,
        ...(options.slackInstall === 'oauth'
          ? { oauth: { clientId: SLACK_CLIENT_ID, clientSecret: SLACK_CLIENT_SECRET } }
          : {}),
        ...(options.slackChannels ? { channels: options.slackChannels } : {}),
        ...options.slackFake,
      });
      cleanups.push(() => fake.close());
      slack = fake;
      if (socketMode) {
        const started = await startFakeSocketMode(fake, SLACK_APP_TOKEN);
        cleanups.push(() => started.close());
        front = started;
      }
    }
    const storeDir = await mkdtemp(join(tmpdir(), 'skidio-world-'));
    cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
    const port = await freePort();
    const slackOAuthEnv: Record<string, string> = {
      SLACK_CLIENT_ID,
      SLACK_CLIENT_SECRET,
      SLACK_STATE_SECRET,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_AUTHORIZE_URL: slack?.authorizeUrl ?? '',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    const slackTokens: Record<string, string> =
      options.slackInstall === 'oauth' ? slackOAuthEnv : { SLACK_BOT_TOKEN: SLACK_TOKEN };
    const slackEnv: Record<string, string> = !slack
      ? {}
      : front
        ? { ...slackTokens, SLACK_APP_TOKEN, SLACK_API_URL: front.apiUrl }
        : { ...slackTokens, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl };
    const config = loadConfig({
      SKIDIO_API_URL: simulator.url,
      // Registration at start-up has tests of its own; the others assert on the requests that follow start-up.
      ...(discord
        ? { DISCORD_TOKEN, DISCORD_API_URL: discord.apiUrl, DISCORD_REGISTER_ON_START: 'false' }
        : {}),
      ...(discord && options.discordMode === 'http' ? { DISCORD_PUBLIC_KEY: discord.publicKey } : {}),
      ...slackEnv,
      PORT: String(port),
      STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
      KEY_ENCRYPTION_SECRET: TEST_ENCRYPTION_SECRET,
      SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
      // Tests send bursts from one person; the limits have tests of their own.
      RATE_LIMIT_USER_PER_MINUTE: '0',
      RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
      ...(options.webhooks ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
      ...options.env,
    });
    const log = createTestLogger();
    // As main does: every configured secret is scrubbed from log lines.
    for (const secret of configSecrets(config)) log.secrets.add(secret);
    const clock = options.clock ?? systemClock;
    const overrides = { ...FAST, clock, ...options.overrides };
    const deps = { logger: log.logger, secrets: log.secrets };

    // What an earlier process (or an admin) left in the store.
    const keys =
      options.keys ??
      Object.fromEntries(
        [...(discord ? [DISCORD_WORKSPACE] : []), ...(slack ? [SLACK_WORKSPACE] : [])].map((workspace) => [
          workspace,
          TEST_API_KEY,
        ]),
      );
    if (Object.keys(keys).length > 0 || options.seed) {
      const store = createKeyvStore(config.store, log.logger);
      try {
        const secret = config.keyEncryptionSecret;
        const keyStore = createWorkspaceKeyStore(
          store,
          secret ? createKeyring(secret, config.keyEncryptionSecretPrevious) : undefined,
        );
        for (const [workspace, key] of Object.entries(keys)) {
          // As the bot's key store does: a key that passed through it is scrubbed from log lines.
          log.secrets.add(key);
          await keyStore.set(workspace, key, 'test');
        }
        await options.seed?.(store);
      } finally {
        await store.close();
      }
    }

    let bot: RunningBot | undefined;
    let consoleServices: BotServices | undefined;
    const base = `http://127.0.0.1:${port}`;
    const slackUrl = `${base}${SLACK_EVENTS_PATH}`;
    const discordInteractionsUrl = `${base}${DISCORD_INTERACTIONS_PATH}`;
    let responseUrls = 0;
    const discordTokens: string[] = [];
    const need = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new Error(`${what} is not part of this world`);
      return value;
    };

    const world: World = {
      simulator,
      get discord() {
        return need(discord, 'Discord');
      },
      get slack() {
        return need(slack, 'Slack');
      },
      get socketMode() {
        return need(front, 'Slack Socket Mode');
      },
      get bot() {
        return need(bot, 'a running bot');
      },
      get services() {
        return consoleServices ?? world.bot.services;
      },
      get running() {
        return bot !== undefined || consoleServices !== undefined;
      },
      log,
      config,
      clock,
      storeDir,
      slackUrl,
      discordInteractionsUrl,
      discordTokens,
      async start() {
        if (world.running) throw new Error('the bot is already running');
        // `world.config` may have been changed since (a new KEY_ENCRYPTION_SECRET): its secrets are scrubbed too.
        for (const secret of configSecrets(world.config)) log.secrets.add(secret);
        if (platforms.size === 0) {
          // As `npm run console` wires it: the console is one local process, its watches run here.
          consoleServices = await createBotServices(world.config, deps, { ...overrides, localWatches: true });
          return;
        }
        bot = await startBot(world.config, deps, {
          ...overrides,
          ...(options.adapterOptions ? { adapterOptions: options.adapterOptions } : {}),
        });
      },
      async restart() {
        await world.bot.stop();
        bot = undefined;
        await world.start();
        return world.bot.resumedWatches;
      },
      adapter(platform) {
        return need(
          world.bot.adapters.find((adapter) => adapter.name === platform),
          `a ${platform} adapter`,
        );
      },
      async readyChecks() {
        const answer = await fetch(`${base}/readyz`).catch(() => undefined);
        if (!answer) return undefined;
        return ((await answer.json()) as { checks: Record<string, boolean> }).checks;
      },
      async discordSend(payload) {
        discordTokens.push(payload.token);
        if (options.discordMode === 'http') {
          const answer = await world.discord.sendInteractionOverHttp(discordInteractionsUrl, payload);
          if (answer.status !== 200)
            throw new Error(`the bot answered the interaction with ${answer.status}`);
        } else {
          await world.discord.dispatchInteraction(payload);
        }
        return payload;
      },
      discordCommand(input) {
        return world.discordSend(
          slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, ...input }),
        );
      },
      discordStatus(jobId, where) {
        return world.discordCommand({
          ...where,
          subcommand: 'status',
          options: [{ name: 'job_id', type: 3, value: jobId }],
        });
      },
      slackCommand(text, fields = {}, signing = {}) {
        responseUrls += 1;
        return sendSlashCommand(
          slackUrl,
          SIGNING_SECRET,
          {
            text,
            user_id: 'U_MEMBER',
            channel_id: 'C_PUBLIC',
            response_url: world.slack.responseUrl(`r${responseUrls}`),
            ...fields,
          },
          signing,
        );
      },
      slackSubmitKey(userId, value, channelId = 'C_PUBLIC') {
        return sendInteraction(
          slackUrl,
          SIGNING_SECRET,
          viewSubmission({
            callbackId: 'skidio_key_set',
            userId,
            privateMetadata: channelId,
            viewId: world.slack.views.at(-1)?.id ?? 'V_NONE',
            values: { api_key: { value: { type: 'plain_text_input', value } } },
          }),
        );
      },
      slackMethods: () =>
        world.slack.calls.filter((call) => call.method !== 'auth.test').map((call) => call.method),
      discordFinal(payload, timeoutMs = 10_000) {
        return world.discord.waitForRequest(
          (request) =>
            isOriginalEditOf(payload)(request) &&
            request.status < 300 &&
            isFinalText(discordContent(request)),
          timeoutMs,
        );
      },
      slackFinal(since, { channel, timeoutMs = 10_000 } = {}) {
        const inChannel = (call: RecordedCall) =>
          channel === undefined || (call.args.channel ?? call.args.channel_id) === channel;
        return vi.waitFor(
          () => {
            const calls = world.slack.calls.slice(since);
            const found = calls.find((call) => inChannel(call) && isFinalSlackCall(call));
            if (!found) {
              const seen = calls.map((call) => `${call.method}:${call.error ?? 'ok'}`);
              throw new Error(`no final Slack reply yet; calls since ${since}: ${seen.join(', ') || 'none'}`);
            }
            return found;
          },
          { timeout: timeoutMs, interval: 20 },
        );
      },
      async close() {
        const running = bot;
        const services = consoleServices;
        bot = undefined;
        consoleServices = undefined;
        await running?.stop();
        await services?.close();
        await cleanUp();
      },
    };
    if (options.start ?? true) await world.start();
    return world;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** The adapter suites' simulator: both test keys, and a job curve slow enough to see queued and running. */
const ADAPTER_SUITE_SIMULATOR: SimulatorOptions = {
  apiKeys: [TEST_API_KEY, OTHER_API_KEY],
  queueMs: 150,
  runMs: 250,
};

/** The bot with Discord only, for the Discord adapter's suites. */
export function startDiscordWorld(options: WorldOptions = {}): Promise<World> {
  return startWorld({
    platforms: ['discord'],
    ...options,
    simulator: { ...ADAPTER_SUITE_SIMULATOR, ...options.simulator },
  });
}

/**
 * The bot with Slack only, for the Slack adapter's suites. Its Web API client does not retry unless a test
 * says so: one refused call is a lasting failure, and a test need not wait out the production back-off.
 */
export function startSlackWorld(options: WorldOptions = {}): Promise<World> {
  return startWorld({
    platforms: ['slack'],
    ...options,
    simulator: { ...ADAPTER_SUITE_SIMULATOR, ...options.simulator },
    adapterOptions: {
      ...options.adapterOptions,
      slack: { retryConfig: { retries: 0 }, ...options.adapterOptions?.slack },
    },
  });
}

/** The console's services (no chat platform), as `npm run console` wires them, for the console's suites. */
export function startConsoleWorld(options: WorldOptions = {}): Promise<World> {
  return startWorld({
    platforms: [],
    ...options,
    simulator: { ...ADAPTER_SUITE_SIMULATOR, ...options.simulator },
  });
}
