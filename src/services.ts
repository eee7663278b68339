/**
 * Builds the platform-neutral services every adapter shares from the configuration: the store, the key store,
 * the Skidio client, the image fetcher and the job watcher.
 */
import { commands } from '../commands/index.js';
import type { Config } from './config.js';
import { type AckFirst, createAckFirst } from './core/ack-first.js';
import type { CommandServices } from './core/command.js';
import { type CommandGate, createCommandGate } from './core/command-gate.js';
import { createImageFetcher, type ImageFetcher } from './core/images.js';
import { type Clock, type KeyValueStore, type Logger, systemClock } from './core/ports.js';
import { createResultRecords } from './core/results/result-records.js';
import type { RetryPolicy } from './core/retry.js';
import { createKeyring, type SecretBox } from './core/secret-box.js';
import { createSkidioClient, type SkidioClient, type SkidioClientOptions } from './core/skidio-client.js';
import { createInProcessEngine } from './core/watcher/in-process-engine.js';
import { createStoredJobDurations } from './core/watcher/job-durations.js';
import { createJobWatcher } from './core/watcher/job-watcher.js';
import { createMemoryWatchState } from './core/watcher/memory-watch-state.js';
import type { JobWatcher, PollSchedule } from './core/watcher/types.js';
import { createWorkspaceKeyStore, type WorkspaceKeyStore } from './core/workspace-key-store.js';
import { createCommandLimiter } from './limits/command-limiter.js';
import type { SecretRegistry } from './logging.js';
import { type BotMetrics, createMetrics } from './metrics.js';
import { createKeyvStore } from './store/keyv-store.js';
import { connectRedisServices, type RedisServices } from './store/redis-services.js';
import { createWebhookIssuer } from './webhooks.js';

/** Everything the adapters need, plus what shutdown must close. */
export interface BotServices extends CommandServices {
  store: KeyValueStore;
  client: SkidioClient;
  images: ImageFetcher;
  watcher: JobWatcher & { route: ReturnType<typeof createJobWatcher>['route'] };
  keys: WorkspaceKeyStore;
  /** Seals credentials stored with watches (Discord interaction tokens); absent without a secret. */
  sealer: SecretBox | undefined;
  /** Several instances: the shared Redis (watch state, queue, limits, gateway lease); absent on SQLite. */
  redis: RedisServices | undefined;
  secrets: SecretRegistry;
  metrics: BotMetrics;
  /** Acks first: the adapters mark commands waiting for their ack; work after it, and watch turns, yield. */
  ackFirst: AckFirst;
  /** Closed by `RunningBot.stop()`: dispatch then answers new commands with the "restarting" reply. */
  gate: CommandGate;
  close(): Promise<void>;
}

/** Overrides for tests and benchmarks. */
export interface ServiceOverrides {
  store?: KeyValueStore;
  clock?: Clock;
  schedule?: Partial<PollSchedule>;
  retry?: Partial<RetryPolicy>;
  /** A short per-attempt timeout or a small body cap, so fault tests need not wait 10 s or send 128 MiB. */
  client?: Pick<SkidioClientOptions, 'timeoutMs' | 'maxBodyBytes'>;
  /** Run watches in this process even on Redis (the console: one local person, replies only here). */
  localWatches?: boolean;
}

/**
 * Wires the services. With `STORE_URL=redis://…` it first checks that Redis answers (a bounded ping, so an
 * outage is one clear error rather than a hang); on SQLite nothing does I/O until a command runs.
 */
export async function createBotServices(
  config: Config,
  deps: {
    logger: Logger;
    secrets: SecretRegistry;
    /** This process serves HTTP (the bot, not the console): with PUBLIC_URL, submissions get webhook URLs. */
    servesWebhooks?: boolean;
  },
  overrides: ServiceOverrides = {},
): Promise<BotServices> {
  const { logger, secrets } = deps;
  const clock = overrides.clock ?? systemClock;
  const store = overrides.store ?? createKeyvStore(config.store, logger);
  const box = config.keyEncryptionSecret
    ? createKeyring(config.keyEncryptionSecret, config.keyEncryptionSecretPrevious)
    : undefined;
  const keys = scrubbedKeys(createWorkspaceKeyStore(store, box), secrets);
  const client = createSkidioClient({
    baseUrl: config.skidioApiUrl,
    logger: logger.child({ component: 'skidio-client' }),
    clock,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
    ...overrides.client,
  });
  const images = createImageFetcher({
    maxBytes: config.maxImageBytes,
    allowPrivateHosts: config.allowPrivateImageHosts,
  });
  const schedule = overrides.schedule;
  const results = createResultRecords(store, clock);
  const ackFirst = createAckFirst();
  const redis =
    config.store.kind === 'redis' && !overrides.store && !overrides.localWatches
      ? await connectRedisServices(config.store.url, {
          logger: logger.child({ component: 'redis' }),
          concurrency: schedule?.maxConcurrentChecks ?? 32,
        })
      : undefined;
  const watcher = createJobWatcher({
    client,
    images,
    apiKeyFor: (workspace) => keys.get(workspace),
    state: redis?.watchState ?? createMemoryWatchState(store),
    engine:
      redis?.engine ?? createInProcessEngine({ clock, maxConcurrent: schedule?.maxConcurrentChecks ?? 32 }),
    timeoutMs: config.watchTimeoutMs,
    durations: redis?.durations ?? createStoredJobDurations(store),
    limits: config.limits,
    yieldToAcks: ackFirst.yieldToAcks,
    results,
    clock,
    logger: logger.child({ component: 'watcher' }),
    ...(schedule ? { schedule } : {}),
  });
  return {
    store,
    client,
    images,
    watcher,
    keys,
    results,
    sealer: box,
    redis,
    secrets,
    clock,
    logger,
    commands,
    defaultModel: config.defaultModel,
    ...(deps.servesWebhooks && config.publicUrl
      ? {
          webhooks: createWebhookIssuer({
            store,
            publicUrl: config.publicUrl,
            watchTimeoutMs: config.watchTimeoutMs,
          }),
        }
      : {}),
    gate: createCommandGate(clock),
    ackFirst,
    metrics: createMetrics({ activeWatches: () => watcher.activeCount() }),
    limiter: createCommandLimiter(
      {
        perUserPerMinute: config.limits.commandsPerUserPerMinute,
        perWorkspacePerMinute: config.limits.commandsPerWorkspacePerMinute,
      },
      redis ? { redis: redis.client, prefix: redis.prefix } : {},
    ),
    async close() {
      await watcher.stop();
      await images.close();
      await redis?.close();
      await store.close();
    },
  };
}

/** Registers every key that passes through the key store with the log scrubber. */
function scrubbedKeys(keys: WorkspaceKeyStore, secrets: SecretRegistry): WorkspaceKeyStore {
  return {
    ...keys,
    async set(workspace, apiKey, setBy) {
      secrets.add(apiKey);
      return keys.set(workspace, apiKey, setBy);
    },
    async get(workspace) {
      const apiKey = await keys.get(workspace);
      secrets.add(apiKey);
      return apiKey;
    },
  };
}
