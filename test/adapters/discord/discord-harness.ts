/**
 * The Discord adapter, built as in production from the environment, with the real discord.js logged into a
 * loopback fake Discord, and the bot's services on a Skidio simulator. Tests drive it with interaction
 * payloads and assert on what the fake received.
 */
import {
  createDiscordAdapter,
  type DiscordAdapterDeps,
} from '../../../src/adapters/discord/discord-adapter.js';
import type { PlatformAdapter } from '../../../src/adapters/platform.js';
import { startWatches } from '../../../src/bot.js';
import { type BotServices, createBotServices } from '../../../src/services.js';
import type { SimulatorOptions } from '../../../src/simulator/index.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  DEFAULT_USER,
  type FakeDiscord,
  type InteractionPayload,
  type RecordedRequest,
  type SlashCommandInput,
  slashCommand,
  startFakeDiscord,
} from '../../fakes/discord/index.js';
import { type BotStack, startBotStack, TEST_API_KEY } from '../../support/bot-stack.js';

/** A bot token the tests check never reaches a log line. */
export const BOT_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.fake-discord-bot-token.never-log-me';
/** The workspace of the fake's default guild. */
export const WORKSPACE = `discord:${DEFAULT_GUILD_ID}`;

/** A running adapter with its fakes. */
export interface DiscordHarness {
  fake: FakeDiscord;
  stack: BotStack;
  adapter: PlatformAdapter;
  /** The services in use: the stack's, or a restarted process's. */
  services: BotServices;
  /** Interaction tokens dispatched so far (secrets too: never logged). */
  tokens: string[];
  /** Sends `/skidio …` in the default guild and channel as the default user (overridable). */
  command(input: Omit<SlashCommandInput, 'channelId'> & { channelId?: string }): Promise<InteractionPayload>;
  /** Sends any interaction payload. */
  send(payload: InteractionPayload): Promise<InteractionPayload>;
  /**
   * Simulates a restart: stops the watcher and the client (watches stay stored), then builds new services on
   * the same store and a new adapter, starts it and resumes the stored watches; returns how many.
   */
  restart(): Promise<number>;
  /** Stops everything: watches first (they stay stored), then the client, services and fakes. */
  close(): Promise<void>;
}

/** Options of the harness. */
export interface HarnessOptions {
  env?: Record<string, string>;
  simulator?: SimulatorOptions;
  /** Store `TEST_API_KEY` for the default guild before the test (default true). */
  withKey?: boolean;
  adapter?: Omit<DiscordAdapterDeps, 'services' | 'logger'>;
  /** Start the adapter (default true). */
  start?: boolean;
}

/** Starts the fake Discord, the bot stack and the adapter, logged in and ready. */
export async function startDiscordHarness(options: HarnessOptions = {}): Promise<DiscordHarness> {
  const fake = await startFakeDiscord();
  const stack = await startBotStack({
    env: { DISCORD_TOKEN: BOT_TOKEN, DISCORD_API_URL: fake.apiUrl, ...options.env },
    ...(options.simulator ? { simulator: options.simulator } : {}),
  });
  const discord = stack.config.discord;
  if (!discord) throw new Error('the stack has no Discord configuration');
  if (options.withKey ?? true) await stack.services.keys.set(WORKSPACE, TEST_API_KEY, 'test');
  const adapterFor = (services: BotServices) =>
    createDiscordAdapter(discord, {
      services,
      logger: stack.log.logger.child({ adapter: 'discord' }),
      ...options.adapter,
    });
  const adapter = adapterFor(stack.services);
  const restarted: BotServices[] = [];
  const tokens: string[] = [];
  const harness: DiscordHarness = {
    fake,
    stack,
    adapter,
    services: stack.services,
    tokens,
    async send(payload) {
      tokens.push(payload.token);
      await fake.dispatchInteraction(payload);
      return payload;
    },
    command: (input) =>
      harness.send(slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, ...input })),
    async restart() {
      await harness.services.watcher.stop();
      await harness.adapter.stop();
      const services = await createBotServices(
        stack.config,
        { logger: stack.log.logger, secrets: stack.log.secrets },
        { schedule: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 1.5 } },
      );
      restarted.push(services);
      harness.services = services;
      harness.adapter = adapterFor(services);
      await harness.adapter.start();
      return startWatches(services, [harness.adapter]);
    },
    async close() {
      await harness.services.watcher.stop();
      await harness.adapter.stop();
      for (const services of restarted) await services.close();
      await stack.close();
      await fake.close();
    },
  };
  if (options.start ?? true) {
    await adapter.start();
    await startWatches(stack.services, [adapter]);
  }
  return harness;
}

/** `{ name: 'job_id', type: 3, value }`: the option of `/skidio status`. */
export const jobIdOption = (value: string) => ({ name: 'job_id', type: 3, value });
/** `{ name: 'private', type: 5, value: true }`. */
export const privateOption = { name: 'private', type: 5, value: true } as const;

/** The default user's mention. */
export const USER_MENTION = `<@${DEFAULT_USER.id}>`;

/** The `content` of a recorded message body. */
export function contentOf(request: RecordedRequest): string {
  const content = (request.json as { content?: unknown } | undefined)?.content;
  return typeof content === 'string' ? content : '';
}

/** Is this the callback of that interaction? */
export const isCallbackOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.path === `/interactions/${payload.id}/${payload.token}/callback`;

/** Is this an edit of that interaction's original reply? */
export const isOriginalEditOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.method === 'PATCH' &&
  request.path === `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;

/** Is this a follow-up of that interaction? */
export const isFollowUpOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.method === 'POST' && request.path === `/webhooks/${payload.application_id}/${payload.token}`;

/** Is this a bot message posted in a channel? */
export const isChannelPost = (channelId: string) => (request: RecordedRequest) =>
  request.method === 'POST' && request.path === `/channels/${channelId}/messages`;

/** Waits for the edit of the original reply whose content matches. */
export function waitForOriginalEdit(
  harness: DiscordHarness,
  payload: InteractionPayload,
  match: (content: string, request: RecordedRequest) => boolean,
): Promise<RecordedRequest> {
  return harness.fake.waitForRequest(
    (request) => isOriginalEditOf(payload)(request) && match(contentOf(request), request),
  );
}

/** Every secret a log line must never hold: the API key, the bot token, the interaction tokens. */
export function loggedSecrets(harness: DiscordHarness): string[] {
  const text = harness.stack.log.lines.join('\n');
  return [TEST_API_KEY, BOT_TOKEN, ...harness.tokens].filter((secret) => text.includes(secret));
}
