/**
 * `npm run demo [-- --json] [--out DIR]`: zero configuration. Starts the Skidio simulator on an ephemeral
 * port, points the console adapter at it with a demo key already set and a throw-away store, and reads
 * commands from stdin. Try `/skidio status demo-1`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_WORKSPACE, createConsoleAdapter } from './adapters/console/console-adapter.js';
import { readConsoleArgsOrExit } from './adapters/console/console-args.js';
import { loadConfig } from './config.js';
import { createLogger, SecretRegistry } from './logging.js';
import { createBotServices } from './services.js';
import { startSkidioSimulator } from './simulator/index.js';

const DEMO_KEY = 'demo-key-0000-skid';

const args = readConsoleArgsOrExit(process.argv.slice(2), 'demo');
const storeDir = await mkdtemp(join(tmpdir(), 'skidio-demo-'));
const simulator = await startSkidioSimulator({ apiKeys: [DEMO_KEY], queueMs: 1_500, runMs: 2_500 });

// The demo's own settings: the simulator, a store that is thrown away, and image URLs on loopback allowed.
const config = loadConfig({
  SKIDIO_API_URL: simulator.url,
  STORE_URL: `sqlite://${join(storeDir, 'demo.sqlite')}`,
  KEY_ENCRYPTION_SECRET: randomBytes(24).toString('base64url'),
  SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
const secrets = new SecretRegistry();
const logger = createLogger({ level: config.logLevel, secrets, fd: 2 });
// The console is one local process: its watches run here, whatever the store.
const services = await createBotServices(config, { logger, secrets }, { localWatches: true });

try {
  await services.keys.set(CONSOLE_WORKSPACE, DEMO_KEY, 'the demo');
  if (process.stdin.isTTY && !args.json) {
    process.stdout.write(
      [
        'skidio-bot demo: the Skidio API simulator is running and a demo key is set.',
        'Type a command and press Enter, for example:',
        '  /skidio status demo-1      queued, running, then a PNG saved under ./out',
        '  /skidio status batch3-x    three images      /skidio status fail-1   a failed job',
        '  /skidio status nope        an unknown job    /skidio key show        the masked key',
        'Press Ctrl-D to finish (pending jobs are waited for).',
        '',
      ].join('\n'),
    );
  }
  await createConsoleAdapter({ services, input: process.stdin, output: process.stdout, ...args }).run();
} finally {
  await services.close();
  await simulator.close();
  await rm(storeDir, { recursive: true, force: true });
}
