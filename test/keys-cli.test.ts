/**
 * `npm run keys -- forget-unreadable`: the way out of a lost KEY_ENCRYPTION_SECRET, through the real entry
 * points in child processes on a real SQLite store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { createKeyring } from '../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../src/core/workspace-key-store.js';
import { createKeyvStore } from '../src/store/keyv-store.js';
import { freePort } from './support/bot-process.js';
import { runEntry } from './support/run-entry.js';

const LOST_SECRET = 'the-secret-that-was-lost-0000';
const NEW_SECRET = 'the-new-secret-after-the-loss-1111';
const WATCH_KEY = 'watch:["discord:1","job-kept"]';

let dir: string;
let storeUrl: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skidio-keys-'));
  storeUrl = `sqlite://${join(dir, 'bot.sqlite')}`;
  const store = createKeyvStore(loadConfig({ STORE_URL: storeUrl }).store, silentLogger);
  await createWorkspaceKeyStore(store, createKeyring(LOST_SECRET)).set('discord:1', 'sk-lost-key-aaaa', 'x');
  await createWorkspaceKeyStore(store, createKeyring(NEW_SECRET)).set('slack:T1', 'sk-new-key-bbbb', 'y');
  await store.set(WATCH_KEY, { workspace: 'discord:1', jobId: 'job-kept' });
  await store.close();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function storeContents() {
  const store = createKeyvStore(loadConfig({ STORE_URL: storeUrl }).store, silentLogger);
  try {
    const keys = createWorkspaceKeyStore(store, createKeyring(NEW_SECRET));
    return {
      discord: await keys.describe('discord:1'),
      slack: await keys.get('slack:T1'),
      watch: await store.get(WATCH_KEY),
    };
  } finally {
    await store.close();
  }
}

describe('npm run keys', () => {
  it('is named by the start-up refusal, and forget-unreadable drops only the keys no secret opens', async () => {
    const env = { STORE_URL: storeUrl, KEY_ENCRYPTION_SECRET: NEW_SECRET };
    const refused = await runEntry('src/main.ts', {
      cwd: dir,
      env: {
        ...env,
        SLACK_BOT_TOKEN: 'xoxb-keys-test',
        SLACK_SIGNING_SECRET: 'keys-signing-secret',
        SLACK_API_URL: 'http://127.0.0.1:9/api/',
        PORT: String(await freePort()),
      },
    });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('npm run keys -- forget-unreadable');
    expect(refused.stdout).not.toContain('sk-lost-key');

    const forgot = await runEntry('src/keys-cli.ts', { cwd: dir, env, args: ['forget-unreadable'] });
    expect(forgot.stderr).toBe('');
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toMatch(
      /Dropped the API key of 1 workspace that no secret opens: discord:1\. Kept 1 key/,
    );
    const after = await storeContents();
    expect(after.discord).toBeUndefined();
    expect(after.slack).toBe('sk-new-key-bbbb');
    expect(after.watch).toEqual({ workspace: 'discord:1', jobId: 'job-kept' });

    const check = await runEntry('src/keys-cli.ts', { cwd: dir, env, args: ['check'] });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('1 stored API key, all readable');
  });

  it('keeps keys the previous secret still opens', async () => {
    const env = {
      STORE_URL: storeUrl,
      KEY_ENCRYPTION_SECRET: NEW_SECRET,
      KEY_ENCRYPTION_SECRET_PREVIOUS: LOST_SECRET,
    };
    const run = await runEntry('src/keys-cli.ts', { cwd: dir, env, args: ['forget-unreadable'] });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing was dropped');
    expect((await storeContents()).slack).toBe('sk-new-key-bbbb');
  });

  it('refuses without KEY_ENCRYPTION_SECRET (every key would look unreadable), and explains its usage', async () => {
    const run = await runEntry('src/keys-cli.ts', {
      cwd: dir,
      env: { STORE_URL: storeUrl },
      args: ['forget-unreadable'],
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/KEY_ENCRYPTION_SECRET is not set: set it \(to the new secret\) first/);
    expect((await storeContents()).slack).toBe('sk-new-key-bbbb');

    const usage = await runEntry('src/keys-cli.ts', {
      cwd: dir,
      env: { STORE_URL: storeUrl },
      args: ['forget'],
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Usage: npm run keys -- <command>');
  });
});
