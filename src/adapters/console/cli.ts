/**
 * `npm run console [-- --out DIR] [--json]`: the console adapter on the configured Skidio API and store.
 * Reads commands from stdin until it ends, waits for pending watches, exits 0.
 */
import { configSecrets } from '../../config.js';
import { readEntryConfig } from '../../entry-config.js';
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
  const config = readEntryConfig();
  for (const secret of configSecrets(config)) secrets.add(secret);
  // Replies go to stdout; logs go to stderr so `--json` output stays machine-readable.
  const logger = createLogger({ level: config.logLevel, secrets, fd: 2 });
  const services = createBotServices(config, { logger, secrets });
  try {
    await createConsoleAdapter({ services, input: process.stdin, output: process.stdout, ...args }).run();
  } finally {
    await services.close();
  }
}

await main();
