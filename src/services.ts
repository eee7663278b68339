/**
 * Builds the platform-neutral services every adapter shares from the configuration: the store, the key store,
 * the Skidio client, the image fetcher and the job watcher.
 */
import { commands } from '../commands/index.js';
import type { Config } from './config.js';
import type { CommandServices } from './core/command.js';
import { type CommandGate, createCommandGate } from './core/command-gate.js';
import { createImageFetcher, type ImageFetcher } from './core/images.js';
import { createJobWatcher, type JobWatcher, type PollSchedule } from './core/job-watcher.js';
import { type Clock, type KeyValueStore, type Logger, systemClock } from './core/ports.js';
import type { RetryPolicy } from './core/retry.js';
import { createKeyring } from './core/secret-box.js';
import { createSkidioClient, type SkidioClient, type SkidioClientOptions } from './core/skidio-client.js';
import { createWatchRegistry } from './core/watch-registry.js';
import { createWorkspaceKeyStore, type WorkspaceKeyStore } from './core/workspace-key-store.js';
import { createCommandLimiter } from './limits/command-limiter.js';
import type { SecretRegistry } from './logging.js';
import { type BotMetrics, createMetrics } from './metrics.js';
import { createKeyvStore } from './store/keyv-store.js';

/** Everything the adapters need, plus what shutdown must close. */
export interface BotServices extends CommandServices {
  store: KeyValueStore;
  client: SkidioClient;
  images: ImageFetcher;
  watcher: JobWatcher;
  keys: WorkspaceKeyStore;
  secrets: SecretRegistry;
  metrics: BotMetrics;
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
}

/** Wires the services. Nothing here does I/O until a command runs (SQLite opens lazily). */
export function createBotServices(
  config: Config,
  deps: { logger: Logger; secrets: SecretRegistry },
  overrides: ServiceOverrides = {},
): BotServices {
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
  const watcher = createJobWatcher({
    client,
    images,
    apiKeyFor: (workspace) => keys.get(workspace),
    registry: createWatchRegistry(store),
    timeoutMs: config.watchTimeoutMs,
    limits: config.limits,
    clock,
    logger: logger.child({ component: 'watcher' }),
    ...(overrides.schedule ? { schedule: overrides.schedule } : {}),
  });
  return {
    store,
    client,
    images,
    watcher,
    keys,
    secrets,
    clock,
    logger,
    commands,
    gate: createCommandGate(clock),
    metrics: createMetrics({ activeWatches: () => watcher.activeCount() }),
    limiter: createCommandLimiter({
      perUserPerMinute: config.limits.commandsPerUserPerMinute,
      perWorkspacePerMinute: config.limits.commandsPerWorkspacePerMinute,
    }),
    async close() {
      await watcher.stop();
      await images.close();
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
