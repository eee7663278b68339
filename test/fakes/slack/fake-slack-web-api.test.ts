/**
 * The fake's Web API rules and failure injection, driven by the real @slack/web-api client without Bolt,
 * so each behaviour an adapter test relies on is pinned down on its own.
 */

import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type FakeSlackOptions, RESPONSE_URL, startFakeSlack, UPLOAD_URL } from './index.js';

const fakes: FakeSlack[] = [];

afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function useFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = await startFakeSlack(options);
  fakes.push(fake);
  return fake;
}

type ClientOptions = ConstructorParameters<typeof webApi.WebClient>[1];

function clientFor(fake: FakeSlack, token = fake.botToken, options: ClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
    ...options,
  });
}

describe('fake Slack Web API', () => {
  it('checks the bot token and records whether it was right, never the token itself', async () => {
    const fake = await useFakeSlack({ botToken: 'xoxb-right' });
    await expect(clientFor(fake, 'xoxb-wrong').auth.test()).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { error: 'invalid_auth' },
    });
    const anonymous = await fetch(`${fake.apiUrl}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
    // Slack also takes the token as a form field.
    const inBody = await fetch(`${fake.apiUrl}auth.test`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'xoxb-right' }),
    });
    expect(await inBody.json()).toMatchObject({ ok: true });

    expect(fake.calls.map((call) => call.authorization)).toEqual(['wrong', 'missing', 'present']);
    expect(JSON.stringify(fake.calls)).not.toContain('xoxb-');
  });

  it('describes the configured workspace in auth.test and users.info', async () => {
    const fake = await useFakeSlack({
      teamId: 'T_CUSTOM',
      enterpriseId: 'E_CUSTOM',
      botUserId: 'U_BOT',
      users: { U_OWNER: { isOwner: true, name: 'olga' }, U_PLAIN: {} },
    });
    const client = clientFor(fake);
    expect(await client.auth.test()).toMatchObject({
      ok: true,
      team_id: 'T_CUSTOM',
      user_id: 'U_BOT',
      enterprise_id: 'E_CUSTOM',
      is_enterprise_install: false,
    });
    expect((await client.users.info({ user: 'U_OWNER' })).user).toMatchObject({
      name: 'olga',
      team_id: 'T_CUSTOM',
      is_admin: true,
      is_owner: true,
      is_primary_owner: true,
    });
    expect((await client.users.info({ user: 'U_PLAIN' })).user).toMatchObject({
      is_admin: false,
      is_owner: false,
    });
    await expect(client.users.info({ user: 'U_NOBODY' })).rejects.toMatchObject({
      data: { error: 'user_not_found' },
    });
  });

  it('opens one stable IM per user, where the bot may post without joining', async () => {
    const fake = await useFakeSlack();
    const client = clientFor(fake);
    const first = await client.conversations.open({ users: 'U_MEMBER' });
    const second = await client.conversations.open({ users: 'U_MEMBER' });
    const channelId = first.channel?.id ?? '';
    expect(channelId).toMatch(/^D/);
    expect(second.channel?.id).toBe(channelId);

    await client.chat.postMessage({ channel: channelId, text: 'hi' });
    expect(fake.messages(channelId)).toMatchObject([{ text: 'hi' }]);
    expect((await client.conversations.info({ channel: channelId })).channel).toMatchObject({
      is_im: true,
      user: 'U_MEMBER',
    });
    await expect(client.conversations.join({ channel: channelId })).rejects.toMatchObject({
      data: { error: 'method_not_supported_for_channel_type' },
    });
  });

  it('edits messages in place with chat.update', async () => {
    const fake = await useFakeSlack();
    const client = clientFor(fake);
    const posted = await client.chat.postMessage({ channel: 'C_PUBLIC', text: 'queued' });
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*running*' } }];
    await client.chat.update({ channel: 'C_PUBLIC', ts: posted.ts ?? '', text: 'running', blocks });
    expect(fake.messages('C_PUBLIC')).toEqual([
      { channel: 'C_PUBLIC', ts: posted.ts, text: 'running', blocks, threadTs: undefined, edits: 1 },
    ]);
    await expect(
      client.chat.update({ channel: 'C_PUBLIC', ts: '1.000001', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  it('fails the next calls as told: Slack errors, 429 with Retry-After, HTTP 500', async () => {
    const fake = await useFakeSlack();
    fake.failNext('chat.postMessage', { error: 'ratelimited', retryAfterSeconds: 7 });
    const impatient = clientFor(fake, fake.botToken, { rejectRateLimitedCalls: true });
    await expect(impatient.chat.postMessage({ channel: 'C_PUBLIC', text: 'a' })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 7,
    });

    // Without rejectRateLimitedCalls the client sleeps for Retry-After, then retries (if its policy allows).
    fake.failNext('chat.postMessage', { retryAfterSeconds: 0 });
    const patient = clientFor(fake, fake.botToken, {
      retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 },
    });
    await expect(patient.chat.postMessage({ channel: 'C_PUBLIC', text: 'b' })).resolves.toMatchObject({
      ok: true,
    });

    fake.failNext('users.info', { status: 500 }, 2);
    const client = clientFor(fake);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await expect(client.users.info({ user: 'U_ADMIN' })).rejects.toMatchObject({
        code: webApi.ErrorCode.HTTPError,
        statusCode: 500,
      });
    }
    await expect(client.users.info({ user: 'U_ADMIN' })).resolves.toMatchObject({ ok: true });

    expect(fake.calls.map((call) => `${call.method}:${call.error ?? 'ok'}`)).toEqual([
      'chat.postMessage:ratelimited',
      'chat.postMessage:ratelimited',
      'chat.postMessage:ok',
      'users.info:internal_error',
      'users.info:internal_error',
      'users.info:ok',
    ]);
  });

  it('answers unknown methods and explains a waitForCall timeout', async () => {
    const fake = await useFakeSlack();
    const client = clientFor(fake);
    await expect(client.apiCall('reactions.add', { name: 'tada' })).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    await expect(fake.waitForCall('chat.postMessage', undefined, 50)).rejects.toThrow(
      'no matching chat.postMessage call within 50 ms; recorded: reactions.add -> unknown_method',
    );
  });

  it('takes raw upload bodies, refuses shares where the bot is not, and can fail the upload URL', async () => {
    const fake = await useFakeSlack();
    const client = clientFor(fake);
    const announce = () => client.files.getUploadURLExternal({ filename: 'a.png', length: 3 });

    const first = await announce();
    const uploaded = await fetch(first.upload_url ?? '', { method: 'POST', body: new Uint8Array([1, 2, 3]) });
    expect(await uploaded.text()).toBe('OK - 3');
    expect((await fake.waitForUpload(first.file_id)).bytes).toEqual(Buffer.from([1, 2, 3]));
    await expect(
      client.files.completeUploadExternal({
        files: [{ id: first.file_id ?? '' }],
        channel_id: 'C_NOTJOINED',
      }),
    ).rejects.toMatchObject({ data: { error: 'not_in_channel' } });

    const im = await client.conversations.open({ users: 'U_ADMIN' });
    const imId = im.channel?.id ?? '';
    const done = await client.files.completeUploadExternal({
      files: [{ id: first.file_id ?? '' }],
      channel_id: imId,
    });
    // IMs and private channels are listed under `shares.private`.
    expect(done.files?.[0]).toMatchObject({
      shares: { private: { [imId]: [{ share_user_id: 'UBOT0001' }] } },
    });
    expect(fake.files(imId)).toMatchObject([{ id: first.file_id, title: 'a.png' }]);

    fake.failNext(UPLOAD_URL, { status: 503 });
    const second = await announce();
    const refused = await fetch(second.upload_url ?? '', { method: 'POST', body: 'abc' });
    expect(refused.status).toBe(503);
    expect(fake.uploads).toHaveLength(1);
  });

  it('lets a response_url take 5 posts, then answers 404 used_url; failures can be injected', async () => {
    const fake = await useFakeSlack();
    const post = (text: string) =>
      fetch(fake.responseUrl('r1'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
    fake.failNext(RESPONSE_URL, { status: 500 });
    expect((await post('injected')).status).toBe(500);
    const statuses: number[] = [];
    for (const text of ['1', '2', '3', '4', '5', '6']) statuses.push((await post(text)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.responseUrlPosts.map((p) => [p.body, p.accepted])).toEqual([
      [{ text: 'injected' }, false],
      ...['1', '2', '3', '4', '5'].map((text) => [{ text }, true]),
      [{ text: '6' }, false],
    ]);
  });
});
