/**
 * `npm run console [-- --out DIR] [--json]`: the console adapter on the configured Skidio API and store.
 * Reads commands from stdin until it ends, waits for pending watches, exits 0.
 */
import { ConfigError, configSecrets, loadConfig } from '../../config.js';
import { createLogger, SecretRegistry } from '../../logging.js';
import { createBotServices } from '../../services.js';
import { createConsoleAdapter } from './console-adapter.js';
import { parseConsoleArgs } from './console-args.js';

async function main(): Promise<void> {
  let args: { outDir: string; json: boolean };
  try {
    args = parseConsoleArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nUsage: npm run console -- [--out DIR] [--json]\n`);
    process.exit(2);
  }
  const secrets = new SecretRegistry();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
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
