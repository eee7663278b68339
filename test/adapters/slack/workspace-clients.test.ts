/**
 * A workspace's client, held as long as a watch runs, never calls Slack with a token that expired meanwhile:
 * the real Bolt installer's `authorize` and the real Web API client against the fake Slack with token rotation.
 */
import type { Installation } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { createBoltLogger } from '../../../src/adapters/slack/bolt-logger.js';
import { createSlackInstallationStore } from '../../../src/adapters/slack/installation-store.js';
import { createInstallReceiver } from '../../../src/adapters/slack/oauth-install.js';
import { createWorkspaceClients } from '../../../src/adapters/slack/workspace-clients.js';
import { silentLogger } from '../../../src/core/ports.js';
import { createKeyring } from '../../../src/core/secret-box.js';
import { SecretRegistry } from '../../../src/logging.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/index.js';

const APP = { clientId: '111.222', clientSecret: 'rotation-client-secret-xyz' };
const TEAM = 'T0000001';

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Installs the app in the fake's first workspace (approval page, Allow, code exchange): the installation. */
async function install(current: FakeSlack): Promise<Installation> {
  const redirect = 'http://127.0.0.1:9/slack/oauth_redirect';
  const query = new URLSearchParams({ client_id: APP.clientId, scope: 'commands', redirect_uri: redirect });
  const html = await (await fetch(`${current.authorizeUrl}?${query}`)).text();
  const allow = /<a[^>]*href="([^"]+)"[^>]*>Allow<\/a>/.exec(html)?.[1] ?? '';
  const approved = await fetch(new URL(allow, current.baseUrl), { redirect: 'manual' });
  const code = new URL(approved.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const response = await fetch(`${current.apiUrl}oauth.v2.access`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: APP.clientId, client_secret: APP.clientSecret, code }).toString(),
  });
  const granted = (await response.json()) as Record<string, string | number>;
  return {
    team: { id: TEAM },
    enterprise: undefined,
    user: { token: undefined, scopes: undefined, id: 'U_INSTALLER' },
    bot: {
      token: String(granted.access_token),
      refreshToken: String(granted.refresh_token),
      expiresAt: Math.floor(Date.now() / 1000) + Number(granted.expires_in),
      scopes: ['commands'],
      id: 'B0000001',
      userId: String(granted.bot_user_id),
    },
    isEnterpriseInstall: false,
    authVersion: 'v2',
  };
}

describe('workspace clients with token rotation', () => {
  it('refreshes before each call once the token is expiring, one refresh for calls made together', async () => {
    // An hour is inside @slack/oauth's 2-hour refresh window: every lookup refreshes.
    fake = await startFakeSlack({ oauth: APP, tokenRotation: { expiresInS: 3_600 } });
    const current = fake;
    const installationStore = createSlackInstallationStore({
      store: createMemoryStore(),
      box: createKeyring('workspace-clients-test-secret'),
      secrets: new SecretRegistry(),
    });
    await installationStore.storeInstallation(await install(current));
    const clientOptions = { slackApiUrl: current.apiUrl, retryConfig: { retries: 0 } };
    const { authorize } = createInstallReceiver({
      oauth: { ...APP, stateSecret: 'state-secret-for-the-test', authorizeUrl: current.authorizeUrl },
      signingSecret: 'signing-secret-for-the-test',
      publicUrl: undefined,
      installationStore,
      clientOptions,
      boltLogger: createBoltLogger(silentLogger),
      log: silentLogger,
      takesEvents: false,
    });
    const clientFor = createWorkspaceClients(authorize, clientOptions);

    const found = await clientFor(`slack:${TEAM}`);
    if (found === 'uninstalled') throw new Error('the workspace should be installed');
    // The client is held (as a watch's surface holds it) while its tokens expire twice.
    current.expireTokens(TEAM);
    await found.client.chat.postMessage({ channel: 'C_PUBLIC', text: 'first' });
    current.expireTokens(TEAM);
    const before = current.refreshes.length;
    await Promise.all(
      ['a', 'b', 'c'].map((text) => found.client.chat.postMessage({ channel: 'C_PUBLIC', text })),
    );

    expect(current.refreshes.length - before).toBe(1);
    expect(current.expiredTokenUses).toBe(0);
    const posts = current.calls.filter((call) => call.method === 'chat.postMessage');
    expect(posts.map((call) => [call.authorization, call.ok])).toEqual(
      Array.from({ length: 4 }, () => ['present', true]),
    );
    // The same client object for the workspace, with the newest token stored.
    const again = await clientFor(`slack:${TEAM}`);
    expect(again !== 'uninstalled' && again.client).toBe(found.client);
    const stored = await installationStore.fetchInstallation({
      teamId: TEAM,
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(stored.bot?.refreshToken).toBe(current.refreshTokensOf(TEAM).at(-1));
  });
});
