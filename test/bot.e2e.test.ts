// The app's undici 7 loads first, as in production, so Discord uploads prove the agent workaround.
import 'undici';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot } from '../src/bot.js';
import { loadConfig } from '../src/config.js';
import { NotConfiguredError } from '../src/core/errors.js';
import { createKeyring } from '../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../src/core/workspace-key-store.js';
import { createKeyvStore } from '../src/store/keyv-store.js';
import {
  DISCORD_TOKEN,
  DISCORD_WORKSPACE,
  SIGNING_SECRET,
  SLACK_TOKEN,
  SLACK_WORKSPACE,
  startWorld,
  TEST_ENCRYPTION_SECRET,
  type World,
} from './support/bot-world.js';
import { storedWatches } from './support/stored-watches.js';
import { createTestLogger } from './support/test-logger.js';

const DISCORD_KEY = 'sk-discord-guild-key-1a2b3c4d';
const SLACK_KEY = 'sk-slack-team-key-5e6f7a8b';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the whole bot in one process', () => {
  it('serves Discord and Slack side by side, each workspace with its own key, on one HTTP server', async () => {
    world = await startWorld({
      apiKeys: [DISCORD_KEY, SLACK_KEY],
      keys: { [DISCORD_WORKSPACE]: DISCORD_KEY, [SLACK_WORKSPACE]: SLACK_KEY },
    });
    const base = `http://127.0.0.1:${world.bot.http.port}`;

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ok: true,
      checks: { store: true, accepting: true, started: true, discord: true, slack: true },
    });

    await world.discordStatus('done-discord');
    expect((await world.slackCommand('status done-slack')).status).toBe(200);

    const discordPost = await world.discord.waitForRequest(
      (request) => request.files.length > 0 && request.path.includes('/messages/'),
    );
    expect(discordPost.files[0]?.bytes.equals(await world.simulator.imageBytes('done-discord', 0))).toBe(
      true,
    );
    await world.slack.waitForCall('files.completeUploadExternal');
    expect(world.slack.uploads[0]?.bytes.equals(await world.simulator.imageBytes('done-slack', 0))).toBe(
      true,
    );

    // Both acks were timed, and the operator can read them at /metrics.
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/skidio_ack_latency_seconds_count\{platform="discord"\} 1\n/);
    expect(metrics).toMatch(/skidio_ack_latency_seconds_count\{platform="slack"\} 1\n/);
    expect(metrics).toMatch(/skidio_commands_total\{platform="slack",command="status"\} 1\n/);

    // Workspace isolation: each job was checked with its own workspace's key only.
    const keysFor = (jobId: string) =>
      new Set(
        world?.simulator.requests
          .filter((request) => request.jobId === jobId)
          .map((request) => request.apiKey),
      );
    expect(keysFor('done-discord')).toEqual(new Set([DISCORD_KEY]));
    expect(keysFor('done-slack')).toEqual(new Set([SLACK_KEY]));

    const logs = world.log.lines.join('\n');
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
    world = await startWorld();
    await world.discordStatus('never-stop');
    await world.discord.waitForRequest((request) => request.method === 'PATCH');
    const port = world.bot.http.port;
    await world.bot.stop();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const store = createKeyvStore(world.config.store, world.log.logger);
    const stored = await storedWatches(store);
    await store.close();
    expect(stored.map((watch) => watch.jobId)).toEqual(['never-stop']);
  });
});

describe('start-up', () => {
  it('refuses to start, naming the variable, when stored keys cannot be opened with the secret', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'skidio-e2e-'));
    try {
      const config = loadConfig({
        // Never contacted: the key check comes before any platform connects.
        DISCORD_TOKEN,
        DISCORD_API_URL: 'http://127.0.0.1:9/api',
        PORT: '0',
        STORE_URL: `sqlite://${join(storeDir, 'bot.sqlite')}`,
        KEY_ENCRYPTION_SECRET: 'a-different-secret-0000',
      });
      const { logger, secrets } = createTestLogger();
      const store = createKeyvStore(config.store, logger);
      await createWorkspaceKeyStore(store, createKeyring(TEST_ENCRYPTION_SECRET)).set(
        'discord:1',
        DISCORD_KEY,
        'x',
      );
      await store.close();
      const refused = await startBot(config, { logger, secrets }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(NotConfiguredError);
      expect(String(refused)).toMatch(/KEY_ENCRYPTION_SECRET_PREVIOUS/);
    } finally {
      await rm(storeDir, { recursive: true, force: true });
    }
  });

  it('npm start exits 1 and says what to set when no chat platform is configured', async () => {
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
