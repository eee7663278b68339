/**
 * `npm run console [-- --out DIR] [--json]`: the console adapter on the configured Skidio API and store.
 * Reads commands from stdin until it ends, waits for pending watches, exits 0.
 */
import { configSecrets } from '../../config.js';
import { readEntryConfig } from '../../entry-config.js';
import { createLogger, SecretRegistry } from '../../logging.js';
import { createBotServices } from '../../services.js';
import { createConsoleAdapter } from './console-adapter.js';
import { readConsoleArgsOrExit } from './console-args.js';

async function main(): Promise<void> {
  const args = readConsoleArgsOrExit(process.argv.slice(2), 'console');
  const secrets = new SecretRegistry();
  const config = readEntryConfig();
  for (const secret of configSecrets(config)) secrets.add(secret);
  // Replies go to stdout; logs go to stderr so `--json` output stays machine-readable.
  const logger = createLogger({ level: config.logLevel, secrets, fd: 2 });
  // The console is one local process: its watches run here, whatever the store.
  const services = await createBotServices(config, { logger, secrets }, { localWatches: true });
  try {
    await createConsoleAdapter({ services, input: process.stdin, output: process.stdout, ...args }).run();
  } finally {
    await services.close();
  }
}

await main();
