import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from './index.js';

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const APP = { clientId: '111.222', clientSecret: 'fake-client-secret-xyz' };

/** A Web API call as a hand-written client makes it: form body, optional bearer token. */
async function api(
  current: FakeSlack,
  method: string,
  args: Record<string, string>,
  token?: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${current.apiUrl}${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: new URLSearchParams(args).toString(),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** The approval page for `redirect`, then its Allow link: where the browser is sent back. */
async function approve(current: FakeSlack, redirect: string, state = 'st-1'): Promise<URL> {
  const query = new URLSearchParams({
    client_id: APP.clientId,
    scope: 'commands,chat:write',
    state,
    redirect_uri: redirect,
  });
  const page = await fetch(`${current.authorizeUrl}?${query}`);
  const html = await page.text();
  const href = /<a[^>]*href="([^"]+)"[^>]*>Allow<\/a>/.exec(html)?.[1];
  expect(href).toBeDefined();
  const approved = await fetch(new URL(href ?? '', current.baseUrl), { redirect: 'manual' });
  expect(approved.status).toBe(302);
  return new URL(approved.headers.get('location') ?? '');
}

describe('fake Slack: OAuth and several workspaces', () => {
  it('sends the approving workspace back with a one-time code that oauth.v2.access trades for its token', async () => {
    fake = await startFakeSlack({
      oauth: APP,
      teams: { T_B: { name: 'Beta', channels: { CB: { isMember: true } }, users: { UB: {} } } },
    });
    fake.approveAs('T_B');
    const back = await approve(fake, 'http://127.0.0.1:9/slack/oauth_redirect');
    expect(back.pathname).toBe('/slack/oauth_redirect');
    expect(back.searchParams.get('state')).toBe('st-1');
    const code = back.searchParams.get('code') ?? '';

    const wrongSecret = await api(fake, 'oauth.v2.access', {
      client_id: APP.clientId,
      client_secret: 'nope',
      code,
    });
    expect(wrongSecret).toEqual({ ok: false, error: 'bad_client_secret' });
    const granted = await api(fake, 'oauth.v2.access', {
      ...{ client_id: APP.clientId, client_secret: APP.clientSecret },
      code,
    });
    expect(granted).toMatchObject({ ok: true, token_type: 'bot', team: { id: 'T_B', name: 'Beta' } });
    expect(String(granted.access_token)).toMatch(/^xoxb-T_B-[0-9a-f]+$/);
    const reused = await api(fake, 'oauth.v2.access', {
      client_id: APP.clientId,
      client_secret: APP.clientSecret,
      code,
    });
    expect(reused).toEqual({ ok: false, error: 'invalid_code' });
    // The client secret is never recorded.
    expect(JSON.stringify(fake.calls)).not.toContain(APP.clientSecret);
    expect(fake.installs).toEqual([{ teamId: 'T_B', scope: 'commands,chat:write' }]);

    const token = String(granted.access_token);
    expect(await api(fake, 'auth.test', {}, token)).toMatchObject({ ok: true, team_id: 'T_B', team: 'Beta' });
    expect(await api(fake, 'chat.postMessage', { channel: 'CB', text: 'hi' }, token)).toMatchObject({
      ok: true,
    });
    // A token of one workspace cannot reach another's channel: refused, and counted.
    expect(fake.tokenMismatches).toBe(0);
    expect(await api(fake, 'chat.postMessage', { channel: 'C_PUBLIC', text: 'x' }, token)).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect(await api(fake, 'chat.postMessage', { channel: 'CB', text: 'x' }, fake.botToken)).toMatchObject({
      ok: false,
    });
    expect(fake.tokenMismatches).toBe(2);

    fake.revokeTokens('T_B');
    expect(await api(fake, 'chat.postMessage', { channel: 'CB', text: 'hi' }, token)).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
  });

  it('with token rotation, hands out expiring tokens and trades each refresh token once for a new pair', async () => {
    fake = await startFakeSlack({ oauth: APP, tokenRotation: { expiresInS: 3600 } });
    const back = await approve(fake, 'http://127.0.0.1:9/slack/oauth_redirect');
    const app = { client_id: APP.clientId, client_secret: APP.clientSecret };
    const granted = await api(fake, 'oauth.v2.access', { ...app, code: back.searchParams.get('code') ?? '' });
    expect(granted).toMatchObject({ ok: true, token_type: 'bot', expires_in: 3600 });
    const first = String(granted.access_token);
    const firstRefresh = String(granted.refresh_token);
    expect(first).toMatch(/^xoxe\.xoxb-T0000001-[0-9a-f]+$/);
    expect(firstRefresh).toMatch(/^xoxe-1-[0-9a-f]+$/);
    expect(await api(fake, 'auth.test', {}, first)).toMatchObject({ ok: true });

    fake.expireTokens('T0000001');
    expect(await api(fake, 'auth.test', {}, first)).toEqual({ ok: false, error: 'token_expired' });
    expect(fake.expiredTokenUses).toBe(1);

    const refresh = { ...app, grant_type: 'refresh_token', refresh_token: firstRefresh };
    expect(await api(fake, 'oauth.v2.access', { ...refresh, client_secret: 'nope' })).toEqual({
      ok: false,
      error: 'bad_client_secret',
    });
    const refreshed = await api(fake, 'oauth.v2.access', refresh);
    expect(refreshed).toMatchObject({
      ok: true,
      token_type: 'bot',
      expires_in: 3600,
      team: { id: 'T0000001' },
    });
    expect(refreshed.access_token).not.toBe(first);
    expect(refreshed.refresh_token).not.toBe(firstRefresh);
    expect(await api(fake, 'auth.test', {}, String(refreshed.access_token))).toMatchObject({ ok: true });
    // A refresh token is good once; neither it nor the client secret is recorded.
    expect(await api(fake, 'oauth.v2.access', refresh)).toEqual({
      ok: false,
      error: 'invalid_refresh_token',
    });
    expect(fake.refreshes).toEqual([{ teamId: 'T0000001' }]);
    expect(fake.refreshTokensOf('T0000001')).toEqual([firstRefresh, refreshed.refresh_token]);
    expect(JSON.stringify(fake.calls)).not.toContain(firstRefresh);
    expect(JSON.stringify(fake.calls)).not.toContain(APP.clientSecret);
  });

  it('refuses an unknown client id on the approval page', async () => {
    fake = await startFakeSlack({ oauth: APP });
    const page = await fetch(`${fake.authorizeUrl}?client_id=other&scope=commands&redirect_uri=http://x/`);
    expect(page.status).toBe(400);
  });
});
