/**
 * The Discord adapter: a real discord.js client on the gateway with the Guilds intent only (slash commands
 * arrive as interactions; the bot reads no messages), its REST pointed at `DISCORD_API_URL` and sending
 * through discord.js's own undici (see discordjs-agent.ts). Rate limits and 5xx are retried by discord.js's
 * REST queue; what still fails is logged, told to the person where possible, and never crashes the process.
 * With `DISCORD_PUBLIC_KEY` no gateway session is opened: interactions arrive at `POST /discord/interactions`
 * (http-interactions.ts) and reach the same handler through discord.js (discord-entry.ts).
 */
import {
  Client,
  type ClientOptions,
  DefaultRestOptions,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  RESTEvents,
  Routes,
} from 'discord.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/ports.js';
import type { BotServices } from '../../services.js';
import type { Lease } from '../../store/redis-lease.js';
import type { HttpRoute, PlatformAdapter } from '../platform.js';
import { type CallbackCapture, createCallbackCapture } from './callback-capture.js';
import { syncCommands } from './command-sync.js';
import { DEFAULT_TOKEN_LIFETIME_MS, openDiscordAddress } from './delivery.js';
import { discordJsInteractionEntry } from './discord-entry.js';
import { describeDiscordError } from './discord-errors.js';
import { createDiscordRestAgent } from './discordjs-agent.js';
import { createInteractionsRoute } from './http-interactions.js';
import { discordInstallUrl } from './install-url.js';
import { createInteractionRest } from './interaction-rest.js';
import { createInteractionHandler } from './interactions.js';
import { createDiscordMessenger } from './messenger.js';
import { guardUnreadableInteractions } from './raw-interactions.js';
import { createDiscordReplySurface } from './reply-surface.js';
import { createSignatureCheck } from './signature.js';

/** What the adapter needs besides its configuration. */
export interface DiscordAdapterDeps {
  services: BotServices;
  logger: Logger;
  /** How long an interaction token is used before the bot's own messages take over (default 14 min). */
  tokenLifetimeMs?: number;
  /** Extra discord.js options (tests); `intents` and `rest.api`/`rest.agent` are always the adapter's. */
  clientOptions?: Omit<Partial<ClientOptions>, 'intents'>;
  /** How long `start()` waits for the gateway's READY after login (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Several instances: the gateway session is opened only while this instance holds the lease (every
   * instance would otherwise receive every interaction). Without it the adapter connects at once.
   */
  gatewayLease?: Lease;
  /** Over HTTP: how long an interaction may go unacknowledged before the bot defers it itself (default 2.5 s). */
  ackDeadlineMs?: number;
}

/**
 * A rate-limited route as a log line may show it. discord.js masks the interaction token in its bucket route
 * only when the application id is a 17–19 digit snowflake; a token is a credential, so mask it here for any id.
 */
function routeWithoutToken(route: string): string {
  return route
    .replace(/\/webhooks\/[^/]+\/[^/?]+/, '/webhooks/:id/:token')
    .replace(/\/interactions\/[^/]+\/[^/?]+/, '/interactions/:id/:token');
}

/** Why the client could not connect, in one sentence that names the setting to check. */
function startFailure(error: unknown, apiUrl: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  if ((error instanceof DiscordAPIError && error.status === 401) || code === 'TokenInvalid') {
    return 'Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal (Bot → Reset Token).';
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `Could not connect to Discord at ${apiUrl} (DISCORD_API_URL): ${reason}`;
}

/** Builds the adapter; nothing connects until `start()`. */
export function createDiscordAdapter(
  config: NonNullable<Config['discord']>,
  deps: DiscordAdapterDeps,
): PlatformAdapter {
  const { services, logger: log } = deps;
  // The token is a secret wherever it might surface in a log line (main registers it too; tests may not).
  services.secrets.add(config.token);
  const agent = createDiscordRestAgent();
  // Over HTTP an interaction's first response is the answer to Discord's request, not a REST call.
  const capture: CallbackCapture | undefined = config.publicKey
    ? createCallbackCapture(deps.clientOptions?.rest?.makeRequest ?? DefaultRestOptions.makeRequest)
    : undefined;
  const client = new Client({
    ...deps.clientOptions,
    intents: [GatewayIntentBits.Guilds],
    rest: {
      ...deps.clientOptions?.rest,
      api: config.apiUrl,
      agent,
      ...(capture ? { makeRequest: capture.makeRequest } : {}),
    },
  });
  const shutdown = new AbortController();
  const interactionRest = createInteractionRest(config.apiUrl, agent, deps.clientOptions?.rest);
  const messenger = createDiscordMessenger({ bot: client.rest, interactions: interactionRest.rest });
  const surfaceDeps = {
    messenger,
    clock: services.clock,
    logger: log,
    shutdown: shutdown.signal,
    sealer: services.sealer,
  };
  const handle = createInteractionHandler({
    ...surfaceDeps,
    services,
    metrics: services.metrics,
    tokenLifetimeMs: deps.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS,
    ackFirst: services.ackFirst,
    // Over HTTP the route times the ack, from the request's arrival to its answer.
    ackTimedByTransport: capture !== undefined,
  });

  guardUnreadableInteractions(client, log);
  client.on(Events.InteractionCreate, (interaction) => void handle(interaction));
  // Without an 'error' listener an EventEmitter error would throw and end the process.
  client.on(Events.Error, (error) => log.error(describeDiscordError(error), 'discord.js client error'));
  client.on(Events.Warn, (message) => log.warn({ message }, 'discord.js warning'));
  client.on(Events.ShardDisconnect, (event) =>
    log.warn({ code: event.code }, 'Discord gateway disconnected'),
  );
  client.on(Events.ShardResume, () => log.info({}, 'Discord gateway resumed'));
  for (const [name, rest] of [
    ['bot', client.rest],
    ['interactions', interactionRest.rest],
  ] as const) {
    rest.on(RESTEvents.RateLimited, (info) =>
      log.info(
        {
          rest: name,
          route: routeWithoutToken(info.route),
          retryAfterMs: info.retryAfter,
          global: info.global,
          scope: info.scope,
        },
        'Discord rate limit: discord.js waits, then retries',
      ),
    );
  }

  async function waitUntilReady(): Promise<void> {
    if (client.isReady()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the gateway sent no READY in time')),
        deps.readyTimeoutMs ?? 60_000,
      );
      timer.unref();
      client.once(Events.ClientReady, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async function registerOnStart(applicationId: string): Promise<void> {
    try {
      const result = await syncCommands(client.rest, {
        applicationId,
        commands: services.commands,
        ...(config.devGuildId ? { guildId: config.devGuildId } : {}),
      });
      log.info(
        { scope: result.scope, guild: config.devGuildId },
        result.changed
          ? 'registered /skidio (DISCORD_REGISTER_ON_START)'
          : '/skidio is registered as defined already (DISCORD_REGISTER_ON_START)',
      );
    } catch (error) {
      // The commands registered earlier still work: keep running, say what to fix.
      log.error({ reason: (error as Error).message }, 'could not register /skidio at start-up');
    }
  }

  /** Opens the gateway session; rejects with a sentence naming the setting to check. */
  async function connect(): Promise<void> {
    try {
      const ready = waitUntilReady();
      // A login failure leaves `ready` pending, never rejected: no unhandled rejection either way.
      ready.catch(() => undefined);
      await client.login(config.token);
      await ready;
    } catch (error) {
      await client.destroy().catch(() => undefined);
      throw new Error(startFailure(error, config.apiUrl), { cause: error });
    }
    const applicationId = client.application?.id ?? '';
    log.info(
      { bot: client.user?.id, application: applicationId, servers: client.guilds.cache.size },
      'connected to Discord',
    );
    if (config.registerOnStart) await registerOnStart(applicationId);
  }

  /** Over HTTP: the application id, read at start-up; commands are taken once it is known. */
  let httpApplicationId: string | undefined;

  /** HTTP mode's start: the REST token, the application id, the registration; no gateway session. */
  async function startOverHttp(publicKey: string): Promise<void> {
    client.rest.setToken(config.token);
    let application: { id: string; verify_key?: unknown };
    try {
      application = (await client.rest.get(Routes.currentApplication())) as typeof application;
    } catch (error) {
      throw new Error(startFailure(error, config.apiUrl), { cause: error });
    }
    if (typeof application.verify_key === 'string' && application.verify_key.toLowerCase() !== publicKey) {
      // Every interaction would then be refused with 401: say which setting to compare.
      log.warn(
        { application: application.id },
        'DISCORD_PUBLIC_KEY is not the public key of the application DISCORD_TOKEN belongs to: copy it again from the Developer Portal (General Information → Public Key)',
      );
    }
    if (config.registerOnStart) await registerOnStart(application.id);
    httpApplicationId = application.id;
    log.info({ application: application.id }, 'taking Discord interactions over HTTP');
  }

  const routes: HttpRoute[] =
    capture && config.publicKey
      ? [
          createInteractionsRoute({
            checkSignature: createSignatureCheck(config.publicKey, () => services.clock.now()),
            capture,
            deliver: discordJsInteractionEntry(client, log),
            isAccepting: () => httpApplicationId !== undefined && !shutdown.signal.aborted,
            logger: log,
            metrics: services.metrics,
            ackFirst: services.ackFirst,
            ...(deps.ackDeadlineMs === undefined ? {} : { ackDeadlineMs: deps.ackDeadlineMs }),
          }),
        ]
      : [];

  // Several instances over HTTP all take interactions: a lease would only make one of them idle.
  const lease = config.publicKey ? undefined : deps.gatewayLease;
  return {
    name: 'discord',
    routes,
    async start() {
      if (config.publicKey) return startOverHttp(config.publicKey);
      if (!lease) return connect();
      // Replies, progress edits and results go over REST: every instance posts, only the holder listens.
      client.rest.setToken(config.token);
      lease.run(
        async () => {
          log.info({}, 'holding the Discord gateway lease: connecting');
          await connect().catch(async (error: unknown) => {
            log.error({ reason: (error as Error).message }, 'could not connect to the Discord gateway');
            await lease.release();
          });
        },
        async () => {
          log.warn({}, 'lost the Discord gateway lease: disconnecting, another instance takes over');
          await client.destroy().catch(() => undefined);
          client.rest.setToken(config.token);
        },
      );
    },
    installUrl() {
      const applicationId = httpApplicationId ?? client.application?.id;
      return applicationId === undefined ? undefined : discordInstallUrl(applicationId);
    },
    // A standby instance (another one holds the gateway) is ready: it serves watches, webhooks and Slack.
    isReady: () =>
      !shutdown.signal.aborted &&
      (httpApplicationId !== undefined || client.isReady() || (lease !== undefined && !lease.held())),
    surfaceFor(asker, key) {
      const delivery = openDiscordAddress(asker.address, services.sealer);
      if (!delivery) return undefined;
      return createDiscordReplySurface({ ...delivery, jobId: key.jobId }, surfaceDeps, {
        watchesJob: true,
        restored: true,
      });
    },
    async stop() {
      shutdown.abort();
      await client
        .destroy()
        .catch((error: unknown) => log.warn(describeDiscordError(error), 'discord.js destroy failed'));
      // After the session is closed, so that the next holder never overlaps with this one.
      await lease?.release();
      interactionRest.close();
      // In-flight requests are abandoned: their replies are logged as failed, the watches stay stored.
      await agent.destroy().catch(() => undefined);
    },
  };
}
