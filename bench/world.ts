/**
 * The world a benchmark runs in: the Skidio simulator and the fake Discord and Slack in this process, the bot
 * in a child process started from the built `dist/` exactly as `npm start` runs it, so that its memory and
 * timings are its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/ports.js';
import { createKeyring } from '../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../src/core/workspace-key-store.js';
import { type SimulatorOptions, type SkidioSimulator, startSkidioSimulator } from '../src/simulator/index.js';
import { createKeyvStore } from '../src/store/keyv-store.js';
import { DEFAULT_GUILD_ID, type FakeDiscord, startFakeDiscord } from '../test/fakes/discord/index.js';
import { type FakeSlack, startFakeSlack } from '../test/fakes/slack/index.js';

export const BENCH_KEY = 'sk-bench-key-0000-1111';
export const SIGNING_SECRET = 'bench-signing-secret';
const SLACK_TOKEN = 'xoxb-bench-token';
const SECRET = 'bench-encryption-secret-0123456789';

/** A running bot process. */
export interface BotProcess {
  child: ChildProcess;
  port: number;
  /** Milliseconds from spawn to `/readyz` answering 200. */
  readyAfterMs: number;
  /** The child's resident set size, from /proc. */
  rssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/** The fakes, the simulator, and how to start the bot against them. */
export interface BenchWorld {
  simulator: SkidioSimulator;
  discord: FakeDiscord;
  slack: FakeSlack;
  slackUrl(bot: BotProcess): string;
  /** `env` may depend on the bot's port (e.g. `PUBLIC_URL` on its own HTTP server, for webhooks). */
  startBot(env?: Record<string, string> | ((port: number) => Record<string, string>)): Promise<BotProcess>;
  close(): Promise<void>;
}

/** Starts the fakes and the simulator, and stores the bench key for the default Discord guild and Slack team. */
export async function startWorld(simulatorOptions: SimulatorOptions = {}): Promise<BenchWorld> {
  const simulator = await startSkidioSimulator({ apiKeys: [BENCH_KEY], ...simulatorOptions });
  const discord = await startFakeDiscord();
  const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-bench-'));
  const storePath = join(storeDir, 'bench.sqlite');
  const store = createKeyvStore({ kind: 'sqlite', path: storePath }, silentLogger);
  const keys = createWorkspaceKeyStore(store, createKeyring(SECRET));
  await keys.set(`discord:${DEFAULT_GUILD_ID}`, BENCH_KEY, 'bench');
  await keys.set('slack:T0000001', BENCH_KEY, 'bench');
  await store.close();
  const bots: BotProcess[] = [];

  return {
    simulator,
    discord,
    slack,
    slackUrl: (bot) => `http://127.0.0.1:${bot.port}/slack/events`,
    async startBot(env = {}) {
      const port = await freePort();
      const started = performance.now();
      // BENCH_BOT_DIR: another checkout's build, for an A/B against this one.
      const child = spawn(process.execPath, ['dist/src/main.js'], {
        cwd: process.env.BENCH_BOT_DIR ?? process.cwd(),
        env: {
          PATH: process.env.PATH,
          SKIDIO_API_URL: simulator.url,
          DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAy.bench.token',
          DISCORD_API_URL: discord.apiUrl,
          SLACK_BOT_TOKEN: SLACK_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: slack.apiUrl,
          PORT: String(port),
          STORE_URL: `sqlite://${storePath}`,
          KEY_ENCRYPTION_SECRET: SECRET,
          SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
          RATE_LIMIT_USER_PER_MINUTE: '0',
          RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
          MAX_WATCHES_PER_WORKSPACE: '20000',
          LOG_LEVEL: 'warn',
          ...(typeof env === 'function' ? env(port) : env),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await waitReady(port, child);
      const bot: BotProcess = {
        child,
        port,
        readyAfterMs: performance.now() - started,
        rssMiB: () => rssOf(child.pid ?? 0),
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
      bots.push(bot);
      return bot;
    },
    async close() {
      await Promise.all(bots.map((bot) => bot.stop()));
      await discord.close();
      await slack.close();
      await simulator.close();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitReady(port: number, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the bot exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the bot was not ready within 30 s');
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}
