/**
 * `npm start`: reads the configuration once (and `.env` when there is one), starts the bot, and shuts it down
 * cleanly on SIGTERM or SIGINT (see `RunningBot.stop`; the same signal again ends the process at once). Exit codes:
 * 0 after a clean stop, 1 when configuration or a platform refuses, or when shutdown fails or passes 10 s.
 */
import { NoPlatformError, startBot } from './bot.js';
import { configSecrets } from './config.js';
import { readEntryConfig } from './entry-config.js';
import { createLogger, SecretRegistry } from './logging.js';
import { describeStartupFailure } from './startup-errors.js';

const config = readEntryConfig();

const secrets = new SecretRegistry();
for (const secret of configSecrets(config)) secrets.add(secret);
const logger = createLogger({ level: config.logLevel, secrets });

process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
if (!config.keyEncryptionSecret) {
  logger.warn(
    {},
    'KEY_ENCRYPTION_SECRET is not set: admins cannot set API keys until it is (16+ random characters, e.g. `openssl rand -base64 32`).',
  );
}

// The signal handlers are in place before start-up begins: a stop asked for while the bot starts (a deploy
// that gives up on it, a health check that passed early) waits for the start, then stops cleanly.
const started = startBot(config, { logger, secrets });
let stopping = false;
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

try {
  await started;
} catch (error) {
  if (error instanceof NoPlatformError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    // One line naming the variable and the fix; the error and its stack only for LOG_LEVEL=debug.
    const failure = describeStartupFailure(error, config);
    logger.fatal(
      {
        ...(failure.variable ? { variable: failure.variable } : {}),
        ...(failure.code ? { code: failure.code } : {}),
      },
      `skidio-bot could not start: ${failure.line}`,
    );
    logger.debug({ err: error }, 'start-up failure details');
  }
  logger.flush();
  process.exit(1);
}

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
    await (await started).stop();
  } catch (error) {
    logger.error({ err: error, signal }, 'shutdown failed');
    logger.flush();
    process.exit(1);
  }
  logger.info({ signal }, 'skidio-bot stopped');
  logger.flush();
  process.exit(0);
}
