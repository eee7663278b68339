/**
 * The bot's shared services wired exactly as in production (config → services), pointed at a loopback Skidio
 * simulator, with a fast poll schedule, for adapter end-to-end tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config.js';
import { type BotServices, createBotServices } from '../../src/services.js';
import {
  type SimulatorOptions,
  type SkidioSimulator,
  startSkidioSimulator,
} from '../../src/simulator/index.js';
import { createTestLogger, type TestLogger } from './test-logger.js';

/** A known API key: tests assert it never reaches a log line or a reply. */
export const TEST_API_KEY = 'sk-test-4f9c2b7e1a6d3c8b';
/** A second key, for workspace isolation tests. */
export const OTHER_API_KEY = 'sk-other-9e8d7c6b5a4f3e2d';
export const TEST_ENCRYPTION_SECRET = 'test-encryption-secret-0123456789';

/** Everything an adapter test needs. */
export interface BotStack {
  config: Config;
  services: BotServices;
  simulator: SkidioSimulator;
  log: TestLogger;
  storeDir: string;
  close(): Promise<void>;
}

/** Starts the simulator and builds services on a fresh SQLite store; `env` adds or overrides variables. */
export async function startBotStack(
  options: { env?: Record<string, string>; simulator?: SimulatorOptions } = {},
): Promise<BotStack> {
  const simulator = await startSkidioSimulator({
    apiKeys: [TEST_API_KEY, OTHER_API_KEY],
    queueMs: 150,
    runMs: 250,
    ...options.simulator,
  });
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-test-'));
  const config = loadConfig({
    SKIDIO_API_URL: simulator.url,
    STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
    KEY_ENCRYPTION_SECRET: TEST_ENCRYPTION_SECRET,
    SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
    LOG_LEVEL: 'debug',
    // Tests send bursts from one person; the limits have tests of their own.
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
    ...options.env,
  });
  const log = createTestLogger();
  const services = await createBotServices(
    config,
    { logger: log.logger, secrets: log.secrets },
    {
      schedule: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 1.5 },
      retry: { baseDelayMs: 20, maxDelayMs: 100 },
    },
  );
  return {
    config,
    services,
    simulator,
    log,
    storeDir,
    async close() {
      await services.close();
      await simulator.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
