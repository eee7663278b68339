/**
 * The Slack installation store on the bot's own key/value store, in memory and on the machine's Redis (as
 * several instances share it): workspace and Enterprise Grid org installs, found as Bolt asks for them, deleted
 * exactly, and never holding a token in plain text (the Redis run reads every raw value Redis keeps).
 */
import type { Installation } from '@slack/bolt';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSlackInstallationStore,
  SlackInstallationMissingError,
} from '../../../src/adapters/slack/installation-store.js';
import { silentLogger } from '../../../src/core/ports.js';
import { createKeyring } from '../../../src/core/secret-box.js';
import { SecretRegistry } from '../../../src/logging.js';
import { createKeyvStore } from '../../../src/store/keyv-store.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { REDIS_URL, shouldRunRedisTests } from '../../support/redis.js';

const SECRET = 'installation-store-secret-0123456789';
const TEAM_TOKEN = 'xoxb-team-install-token-1a2b3c';
const REFRESH_TOKEN = 'xoxe-1-refresh-token-4d5e6f';
const ORG_TOKEN = 'xoxb-org-install-token-7g8h9i';

const teamInstall: Installation<'v2', false> = {
  team: { id: 'T_ALPHA', name: 'Alpha' },
  enterprise: undefined,
  user: { id: 'U_INSTALLER', token: undefined, scopes: undefined },
  bot: {
    id: 'B_ALPHA',
    userId: 'U_BOT_ALPHA',
    token: TEAM_TOKEN,
    refreshToken: REFRESH_TOKEN,
    expiresAt: 2_000_000_000,
    scopes: ['commands', 'chat:write', 'files:write'],
  },
  isEnterpriseInstall: false,
};

const orgInstall: Installation<'v2', true> = {
  team: undefined,
  enterprise: { id: 'E_GRID', name: 'Grid' },
  user: { id: 'U_ORG_ADMIN', token: undefined, scopes: undefined },
  bot: {
    id: 'B_GRID',
    userId: 'U_BOT_GRID',
    token: ORG_TOKEN,
    scopes: ['commands', 'chat:write', 'files:write'],
  },
  isEnterpriseInstall: true,
};

const runRedis = await shouldRunRedisTests();
const redisDb = `${REDIS_URL.replace(/\/\d*$/, '')}/8`;
const raw = new Redis(redisDb, { lazyConnect: true, maxRetriesPerRequest: 2 });
afterAll(async () => {
  if (raw.status === 'ready') {
    await raw.flushdb();
    raw.disconnect();
  }
});

/** Every value Redis holds in the test's database, as text. */
async function everythingInRedis(): Promise<string> {
  const parts: string[] = [];
  for (const key of await raw.keys('*')) {
    const type = await raw.type(key);
    parts.push(key);
    if (type === 'string') parts.push((await raw.get(key)) ?? '');
    if (type === 'hash') parts.push(JSON.stringify(await raw.hgetall(key)));
    if (type === 'set') parts.push(JSON.stringify(await raw.smembers(key)));
  }
  return parts.join('\n');
}

const backends = [
  {
    name: 'in memory',
    run: true,
    open: async () => {
      const store = createMemoryStore();
      return { store, rawText: async () => JSON.stringify([...store.snapshot()]), close: async () => {} };
    },
  },
  {
    name: 'on Redis',
    run: runRedis,
    open: async () => {
      await raw.connect().catch(() => undefined);
      await raw.flushdb();
      const store = createKeyvStore({ kind: 'redis', url: redisDb }, silentLogger);
      return { store, rawText: everythingInRedis, close: () => store.close() };
    },
  },
];

describe.each(backends)('the Slack installation store $name', ({ run, open }) => {
  it.runIf(run)(
    'keeps workspace and org installs apart, finds them as Bolt asks, and deletes exactly one',
    async () => {
      const { store, rawText, close } = await open();
      try {
        const secrets = new SecretRegistry();
        const installations = createSlackInstallationStore({ store, box: createKeyring(SECRET), secrets });
        await installations.storeInstallation(teamInstall);
        await installations.storeInstallation(orgInstall);

        const team = await installations.fetchInstallation({
          teamId: 'T_ALPHA',
          enterpriseId: undefined,
          isEnterpriseInstall: false,
        });
        expect(team.bot?.token).toBe(TEAM_TOKEN);
        expect(team.bot?.refreshToken).toBe(REFRESH_TOKEN);
        // A workspace of the org, asking without knowing the org installed org-wide, finds the org's install.
        const viaOrg = await installations.fetchInstallation({
          teamId: 'T_IN_GRID',
          enterpriseId: 'E_GRID',
          isEnterpriseInstall: false,
        });
        expect(viaOrg.bot?.token).toBe(ORG_TOKEN);

        const text = await rawText();
        for (const token of [TEAM_TOKEN, REFRESH_TOKEN, ORG_TOKEN]) expect(text).not.toContain(token);
        expect(text).toContain('T_ALPHA');

        // One workspace leaving never removes its organization's install, and the other way round.
        await installations.deleteInstallation({
          teamId: 'T_ALPHA',
          enterpriseId: undefined,
          isEnterpriseInstall: false,
        });
        await expect(
          installations.fetchInstallation({
            teamId: 'T_ALPHA',
            enterpriseId: undefined,
            isEnterpriseInstall: false,
          }),
        ).rejects.toBeInstanceOf(SlackInstallationMissingError);
        expect(
          (
            await installations.fetchInstallation({
              enterpriseId: 'E_GRID',
              teamId: undefined,
              isEnterpriseInstall: true,
            })
          ).bot?.token,
        ).toBe(ORG_TOKEN);
      } finally {
        await close();
      }
    },
  );

  it.runIf(run)('cannot be opened with another secret, and says which variable to set', async () => {
    const { store, close } = await open();
    try {
      const secrets = new SecretRegistry();
      await createSlackInstallationStore({ store, box: createKeyring(SECRET), secrets }).storeInstallation(
        teamInstall,
      );
      const wrong = createSlackInstallationStore({
        store,
        box: createKeyring('some-other-secret-0123456789'),
        secrets,
      });
      const failure = await wrong
        .fetchInstallation({ teamId: 'T_ALPHA', enterpriseId: undefined, isEnterpriseInstall: false })
        .then(
          () => undefined,
          (error: unknown) => error as Error,
        );
      expect(failure?.message).toMatch(/KEY_ENCRYPTION_SECRET/);
      expect(failure?.message).not.toContain(TEAM_TOKEN);
    } finally {
      await close();
    }
  });
});
