// The app's undici 7 loads first, as in production, so Discord uploads prove the agent workaround.
import 'undici';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningBot, startBot } from '../src/bot.js';
import { type Config, configSecrets, loadConfig } from '../src/config.js';
import { NotConfiguredError } from '../src/core/errors.js';
import { createKeyring } from '../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../src/core/workspace-key-store.js';
import { type SkidioSimulator, startSkidioSimulator } from '../src/simulator/index.js';
import { createKeyvStore } from '../src/store/keyv-store.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeDiscord,
  slashCommand,
  startFakeDiscord,
} from './fakes/discord/index.js';
import { type FakeSlack, sendSlashCommand, startFakeSlack } from './fakes/slack/index.js';
import { TEST_ENCRYPTION_SECRET } from './support/bot-stack.js';
import { createTestLogger, type TestLogger } from './support/test-logger.js';

const DISCORD_KEY = 'sk-discord-guild-key-1a2b3c4d';
const SLACK_KEY = 'sk-slack-team-key-5e6f7a8b';
const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.e2e-discord-token.never-log';
const SLACK_TOKEN = 'xoxb-e2e-slack-token-0000';
const SIGNING_SECRET = 'e2e-signing-secret-1234';

interface World {
  simulator: SkidioSimulator;
  discord: FakeDiscord;
  slack: FakeSlack;
  storeDir: string;
  log: TestLogger;
  config: Config;
  bot?: RunningBot | undefined;
}

let world: World | undefined;

async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const simulator = await startSkidioSimulator({
    apiKeys: [DISCORD_KEY, SLACK_KEY],
    queueMs: 100,
    runMs: 150,
  });
  const discord = await startFakeDiscord();
  const slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-e2e-'));
  const config = loadConfig({
    SKIDIO_API_URL: simulator.url,
    DISCORD_TOKEN,
    DISCORD_API_URL: discord.apiUrl,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
    KEY_ENCRYPTION_SECRET: TEST_ENCRYPTION_SECRET,
    SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS: 'true',
    ...env,
  });
  const log = createTestLogger();
  for (const secret of configSecrets(config)) log.secrets.add(secret);
  world = { simulator, discord, slack, storeDir, log, config };
  return world;
}

async function start(current: World): Promise<RunningBot> {
  current.bot = await startBot(
    current.config,
    { logger: current.log.logger, secrets: current.log.secrets },
    { schedule: { initialDelayMs: 50, maxDelayMs: 200 } },
  );
  return current.bot;
}

afterEach(async () => {
  if (!world) return;
  await world.bot?.stop();
  await world.discord.close();
  await world.slack.close();
  await world.simulator.close();
  await rm(world.storeDir, { recursive: true, force: true });
  world = undefined;
});

describe('the whole bot in one process', () => {
  it('serves Discord and Slack side by side, each workspace with its own key, on one HTTP server', async () => {
    const current = await startWorld();
    const bot = await start(current);
    await bot.services.keys.set(`discord:${DEFAULT_GUILD_ID}`, DISCORD_KEY, 'admin');
    await bot.services.keys.set('slack:T0000001', SLACK_KEY, 'admin');
    const base = `http://127.0.0.1:${bot.http.port}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ok: true,
      checks: { store: true, accepting: true, discord: true, slack: true },
    });

    await current.discord.dispatchInteraction(
      slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: 'done-discord' }],
      }),
    );
    const slackAnswer = await sendSlashCommand(`${base}/slack/events`, SIGNING_SECRET, {
      text: 'status done-slack',
      user_id: 'U_MEMBER',
      channel_id: 'C_PUBLIC',
    });
    expect(slackAnswer.status).toBe(200);

    const discordPost = await current.discord.waitForRequest(
      (request) => request.files.length > 0 && request.path.includes('/messages/'),
    );
    expect(discordPost.files[0]?.bytes.equals(await current.simulator.imageBytes('done-discord', 0))).toBe(
      true,
    );
    await current.slack.waitForCall('files.completeUploadExternal');
    const upload = current.slack.uploads[0];
    expect(upload?.bytes.equals(await current.simulator.imageBytes('done-slack', 0))).toBe(true);

    // Both acks were timed, and the operator can read them at /metrics.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/skidio_ack_latency_seconds_count\{platform="discord"\} 1\n/);
    expect(metrics).toMatch(/skidio_ack_latency_seconds_count\{platform="slack"\} 1\n/);
    expect(metrics).toMatch(/skidio_commands_total\{platform="slack",command="status"\} 1\n/);

    // Workspace isolation: each job was checked with its own workspace's key only.
    const keysFor = (jobId: string) =>
      new Set(
        current.simulator.requests
          .filter((request) => request.jobId === jobId)
          .map((request) => request.apiKey),
      );
    expect(keysFor('done-discord')).toEqual(new Set([DISCORD_KEY]));
    expect(keysFor('done-slack')).toEqual(new Set([SLACK_KEY]));

    const logs = current.log.lines.join('\n');
    for (const secret of [
      DISCORD_KEY,
      SLACK_KEY,
      DISCORD_TOKEN,
      SLACK_TOKEN,
      SIGNING_SECRET,
      TEST_ENCRYPTION_SECRET,
    ]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('stops cleanly: the HTTP server closes and watches stay in the store', async () => {
    const current = await startWorld();
    const bot = await start(current);
    await bot.services.keys.set(`discord:${DEFAULT_GUILD_ID}`, DISCORD_KEY, 'admin');
    await current.discord.dispatchInteraction(
      slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: 'never-stop' }],
      }),
    );
    await current.discord.waitForRequest((request) => request.method === 'PATCH');
    const port = bot.http.port;
    await bot.stop();
    current.bot = undefined;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const store = createKeyvStore(current.config.store, current.log.logger);
    const stored: string[] = [];
    for await (const [, watch] of store.entries<{ jobId: string }>('watch:')) stored.push(watch.jobId);
    await store.close();
    expect(stored).toEqual(['never-stop']);
  });

  it('refuses to start, naming the variable, when stored keys cannot be opened with the secret', async () => {
    const current = await startWorld({ KEY_ENCRYPTION_SECRET: 'a-different-secret-0000' });
    const store = createKeyvStore(current.config.store, current.log.logger);
    await createWorkspaceKeyStore(store, createKeyring(TEST_ENCRYPTION_SECRET)).set(
      'discord:1',
      DISCORD_KEY,
      'x',
    );
    await store.close();
    const refused = await start(current).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NotConfiguredError);
    expect(String(refused)).toMatch(/KEY_ENCRYPTION_SECRET_PREVIOUS/);
    expect(current.discord.connections).toBe(0);
  });
});

describe('npm start', () => {
  it('exits 1 and says what to set when no chat platform is configured', async () => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let text = '';
      child.stderr.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      child.on('error', reject);
      child.on('close', (exitCode) => resolve({ code: exitCode, stderr: text }));
    });
    expect(code).toBe(1);
    expect(stderr).toContain('DISCORD_TOKEN');
    expect(stderr).toContain('SLACK_BOT_TOKEN');
    expect(stderr).toContain('npm run demo');
  });
});
