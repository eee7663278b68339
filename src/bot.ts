/**
 * Starts the whole bot from a configuration: shared services, the configured adapters, the HTTP server, and
 * the watches an earlier process left in the store. `main.ts` calls it; end-to-end tests and benchmarks too.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DiscordAdapterDeps } from './adapters/discord/discord-adapter.js';
import type { PlatformAdapter } from './adapters/platform.js';
import type { SlackAdapterDeps } from './adapters/slack/slack-adapter.js';
import type { Config } from './config.js';
import type { Logger } from './core/ports.js';
import { type BotHttpServer, type ReadinessCheck, startHttpServer } from './http-server.js';
import type { SecretRegistry } from './logging.js';
import { type BotServices, createBotServices, type ServiceOverrides } from './services.js';
import { createLandingRoute } from './web/landing-route.js';
import { createWebhookRoute } from './webhooks.js';

/** A running bot. */
export interface RunningBot {
  services: BotServices;
  adapters: readonly PlatformAdapter[];
  http: BotHttpServer;
  /** Number of stored watches resumed at start-up. */
  resumedWatches: number;
  /**
   * Shuts down gracefully: new commands get the "restarting" reply, replies already being posted finish
   * (for at most `graceMs`, default 8 s, within main's 10 s), watches stay in the store, then the gateway,
   * the HTTP server and the store close.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Adapter options no environment variable sets: tests shorten Discord's token lifetime or turn off the Slack
 * client's retries (the production defaults wait seconds) while the bot is still wired as `main` wires it.
 */
export interface AdapterOptions {
  discord?: Pick<DiscordAdapterDeps, 'tokenLifetimeMs' | 'clientOptions' | 'readyTimeoutMs'>;
  slack?: Pick<SlackAdapterDeps, 'retryConfig'>;
}

/** Overrides for tests and benchmarks: the services' parts, and the adapters' options. */
export interface BotOverrides extends ServiceOverrides {
  adapterOptions?: AdapterOptions;
}

/** How long shutdown waits for replies in flight; main.ts forces an exit at 10 s. */
export const SHUTDOWN_GRACE_MS = 8_000;

/** Thrown when neither Discord nor Slack is configured. */
export class NoPlatformError extends Error {
  override readonly name = 'NoPlatformError';
  constructor() {
    super(
      'No chat platform is configured. Set DISCORD_TOKEN for Discord, and/or SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET ' +
        '(or SLACK_APP_TOKEN) for Slack. To try the bot without either, run `npm run demo`.',
    );
  }
}

/**
 * Routes every stored person back to the adapter of their platform, then starts the watches (resuming the
 * stored ones where the engine does not keep them itself). Returns how many stored watches there were.
 */
async function startWatches(services: BotServices, adapters: readonly PlatformAdapter[]): Promise<number> {
  services.watcher.route((asker, key) =>
    adapters.find((adapter) => adapter.name === asker.platform)?.surfaceFor(asker, key),
  );
  return (await services.watcher.start()).resumed;
}

/** Starts the bot; rejects with a clear error if a platform refuses its credentials. */
export async function startBot(
  config: Config,
  deps: { logger: Logger; secrets: SecretRegistry },
  overrides: BotOverrides = {},
): Promise<RunningBot> {
  if (!config.discord && !config.slack) throw new NoPlatformError();
  const { logger } = deps;
  const services = await createBotServices(config, { ...deps, servesWebhooks: true }, overrides);
  // A stored key the configured secret cannot open is a start-up error, not a surprise in the middle of a command.
  try {
    const keys = await services.keys.verify();
    if (keys.rotated > 0)
      logger.info(keys, 'stored API keys re-encrypted under the new KEY_ENCRYPTION_SECRET');
  } catch (error) {
    await services.close();
    throw error;
  }
  // Webhooks need this process's HTTP server: the console, which has none, never asks for them.
  const webhookRoutes = config.publicUrl
    ? [
        createWebhookRoute({
          store: services.store,
          watcher: services.watcher,
          logger: logger.child({ component: 'webhooks' }),
        }),
      ]
    : [];
  const adapters: PlatformAdapter[] = [];
  // Each platform library is loaded only when configured: discord.js alone is most of the start-up time.
  if (config.discord) {
    const { createDiscordAdapter } = await import('./adapters/discord/discord-adapter.js');
    // Several instances on the gateway would each receive every interaction: one holds the session at a time.
    // Over HTTP (DISCORD_PUBLIC_KEY) there is no session: every instance takes interactions, no lease.
    const gatewayLease = config.discord.publicKey
      ? undefined
      : services.redis?.lease('discord-gateway', `${hostname()}:${process.pid}:${randomUUID()}`);
    adapters.push(
      createDiscordAdapter(config.discord, {
        services,
        logger: logger.child({ adapter: 'discord' }),
        ...(gatewayLease ? { gatewayLease } : {}),
        ...overrides.adapterOptions?.discord,
      }),
    );
  }
  if (config.slack) {
    const { createSlackAdapter } = await import('./adapters/slack/slack-adapter.js');
    adapters.push(
      createSlackAdapter(config.slack, {
        services,
        logger: logger.child({ adapter: 'slack' }),
        publicUrl: config.publicUrl,
        ...overrides.adapterOptions?.slack,
      }),
    );
  }

  let started = false;
  const readiness: ReadinessCheck[] = [
    { name: 'store', check: () => services.store.ping() },
    // Not ready once shutdown has begun, so a load balancer stops sending work before the process goes.
    { name: 'accepting', check: () => !services.gate.closed },
    // Not ready until the stored watches are running again: a deploy waits for that before moving on.
    { name: 'started', check: () => started },
    ...adapters.map((adapter) => ({ name: adapter.name, check: () => adapter.isReady() })),
  ];
  const http = await startHttpServer({
    port: config.port,
    routes: [
      createLandingRoute({ adapters, readiness }),
      ...adapters.flatMap((adapter) => adapter.routes),
      ...webhookRoutes,
    ],
    metrics: services.metrics,
    readiness,
    logger,
  });
  // Commands that arrive before the stored watches are resumed wait (acknowledged) until they are.
  services.gate.hold();
  try {
    await Promise.all(adapters.map((adapter) => adapter.start()));
  } catch (error) {
    services.gate.release();
    await Promise.allSettled(adapters.map((adapter) => adapter.stop()));
    await http.close();
    await services.close();
    throw error;
  }
  const resumedWatches = await startWatches(services, adapters).finally(() => services.gate.release());
  started = true;
  logger.info(
    { platforms: adapters.map((adapter) => adapter.name), port: http.port, resumedWatches },
    'skidio-bot is ready',
  );

  let stopping: Promise<void> | undefined;
  async function shutdown(graceMs: number): Promise<void> {
    const deadline = services.clock.now() + graceMs;
    // The adapters stay connected while replies finish, so that late commands hear why they are refused.
    services.gate.close();
    logger.info({ graceMs }, 'no longer taking commands; finishing replies in flight');
    // The watcher before the adapters: a job that finished after they had gone would lose its reply.
    await services.watcher.stop({ graceMs });
    const drained = await services.gate.drained(Math.max(0, deadline - services.clock.now()));
    if (!drained) logger.warn({}, 'some command replies were still running at shutdown');
    await Promise.allSettled(adapters.map((adapter) => adapter.stop()));
    await http.close();
    await services.close();
  }

  return {
    services,
    adapters,
    http,
    resumedWatches,
    stop(options = {}) {
      // Idempotent: a signal and a test harness (or two signals) may both ask; the first stop is the one.
      stopping ??= shutdown(options.graceMs ?? SHUTDOWN_GRACE_MS);
      return stopping;
    },
  };
}
