/**
 * `npm run keys -- forget-unreadable`: the way out of a lost KEY_ENCRYPTION_SECRET, through the real entry
 * points in child processes on a real SQLite store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Installation } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackInstallationStore } from '../src/adapters/slack/installation-store.js';
import { loadConfig } from '../src/config.js';
import { silentLogger } from '../src/core/ports.js';
import { createKeyring } from '../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../src/core/workspace-key-store.js';
import { SecretRegistry } from '../src/logging.js';
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

/** A workspace's Slack installation, as Bolt's installer hands it to the store. */
function installationOf(teamId: string, botToken: string): Installation {
  return {
    team: { id: teamId },
    enterprise: undefined,
    user: { token: undefined, scopes: undefined, id: `U_INSTALLER_${teamId}` },
    bot: { token: botToken, scopes: ['commands'], id: 'B1', userId: 'UBOT1' },
    isEnterpriseInstall: false,
    authVersion: 'v2',
  };
}

/** The Slack installations store on the test's SQLite file, opened with `secret`. */
async function withInstallations<T>(
  secret: string,
  work: (installations: ReturnType<typeof createSlackInstallationStore>) => Promise<T>,
): Promise<T> {
  const store = createKeyvStore(loadConfig({ STORE_URL: storeUrl }).store, silentLogger);
  try {
    return await work(
      createSlackInstallationStore({ store, box: createKeyring(secret), secrets: new SecretRegistry() }),
    );
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

  it('drops the Slack installations no secret opens too, and keeps the readable ones', async () => {
    await withInstallations(LOST_SECRET, (installations) =>
      installations.storeInstallation(installationOf('T_LOST', 'xoxb-lost-bot-token-1')),
    );
    await withInstallations(NEW_SECRET, (installations) =>
      installations.storeInstallation(installationOf('T_KEPT', 'xoxb-kept-bot-token-2')),
    );
    const env = { STORE_URL: storeUrl, KEY_ENCRYPTION_SECRET: NEW_SECRET };

    const forgot = await runEntry('src/keys-cli.ts', { cwd: dir, env, args: ['forget-unreadable'] });
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toContain(
      'Dropped the Slack installation of 1 workspace that no secret opens: T_LOST. Kept 1 installation.',
    );
    expect(forgot.stdout).not.toContain('xoxb-');
    await withInstallations(NEW_SECRET, async (installations) => {
      const kept = await installations.fetchInstallation({
        teamId: 'T_KEPT',
        enterpriseId: undefined,
        isEnterpriseInstall: false,
      });
      expect(kept.bot?.token).toBe('xoxb-kept-bot-token-2');
      await expect(
        installations.fetchInstallation({
          teamId: 'T_LOST',
          enterpriseId: undefined,
          isEnterpriseInstall: false,
        }),
      ).rejects.toThrow('no Slack installation for team T_LOST');
    });

    const check = await runEntry('src/keys-cli.ts', { cwd: dir, env, args: ['check'] });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('1 stored Slack installation, all readable.');
  });

  it('check re-seals installations still under the previous secret, and names the way out for the others', async () => {
    await withInstallations(LOST_SECRET, (installations) =>
      installations.storeInstallation(installationOf('T_OLD', 'xoxb-old-bot-token-3')),
    );
    const rotating = {
      STORE_URL: storeUrl,
      KEY_ENCRYPTION_SECRET: NEW_SECRET,
      KEY_ENCRYPTION_SECRET_PREVIOUS: LOST_SECRET,
    };
    const check = await runEntry('src/keys-cli.ts', { cwd: dir, env: rotating, args: ['check'] });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(
      '1 stored Slack installation, all readable; 1 re-encrypted under the new KEY_ENCRYPTION_SECRET.',
    );
    expect(await withInstallations(NEW_SECRET, (installations) => installations.verify())).toEqual({
      storedInstallations: 1,
      rotated: 0,
    });

    // Under a third secret nothing opens: the refusal names both variables and the command, never the token.
    await withInstallations('a-third-secret-opening-nothing', async (installations) => {
      const refusal = (await installations.verify().then(
        () => undefined,
        (error: unknown) => error,
      )) as Error | undefined;
      expect(refusal?.message).toContain('Slack installation of workspace T_OLD');
      expect(refusal?.message).toContain('KEY_ENCRYPTION_SECRET_PREVIOUS');
      expect(refusal?.message).toContain('npm run keys -- forget-unreadable');
      expect(refusal?.message).not.toContain('xoxb-old-bot-token-3');
    });
  });
});
