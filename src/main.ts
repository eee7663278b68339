/**
 * `npm start`: reads the configuration once (and `.env` when there is one), starts the bot, and shuts it down
 * cleanly on SIGTERM or SIGINT (see `RunningBot.stop`; the same signal again ends the process at once). Exit codes:
 * 0 after a clean stop, 1 when configuration or a platform refuses, or when shutdown fails or passes 10 s.
 */
import { existsSync } from 'node:fs';
import { NoPlatformError, type RunningBot, startBot } from './bot.js';
import { ConfigError, configSecrets, loadConfig } from './config.js';
import { createLogger, SecretRegistry } from './logging.js';

if (existsSync('.env')) process.loadEnvFile('.env');

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}

const secrets = new SecretRegistry();
for (const secret of configSecrets(config)) secrets.add(secret);
const logger = createLogger({ level: config.logLevel, secrets });

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

let bot: RunningBot;
try {
  bot = await startBot(config, { logger, secrets });
} catch (error) {
  if (error instanceof NoPlatformError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.fatal(
      { err: error },
      `skidio-bot could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  logger.flush();
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down; watches stay in the store');
  const force = setTimeout(() => {
    logger.error({ signal }, 'shutdown took more than 10 s; exiting anyway');
    process.exit(1);
  }, 10_000);
  force.unref();
  try {
    await bot.stop();
  } catch (error) {
    logger.error({ err: error, signal }, 'shutdown failed');
    logger.flush();
    process.exit(1);
  }
  logger.info({ signal }, 'skidio-bot stopped');
  logger.flush();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
