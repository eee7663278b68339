/**
 * Proves the fake against the real Bolt app in HTTP mode: signed slash commands in, Web API calls, file
 * uploads, response_url posts and modals out. If Bolt or @slack/web-api change what they send, these fail
 * before the adapter's own end-to-end tests do, with a clearer message.
 */

import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeSlack,
  type FakeSlackOptions,
  sendInteraction,
  sendSlashCommand,
  startFakeSlack,
  viewSubmission,
} from './index.js';

const SIGNING_SECRET = 'fake-signing-secret';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Newest first: stop the app before the fake it talks to.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function useFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = await startFakeSlack(options);
  cleanups.push(() => fake.close());
  return fake;
}

interface RunningApp {
  /** The events endpoint, `http://127.0.0.1:PORT/slack/events`. */
  url: string;
  /** Errors that listeners threw; Bolt would otherwise only log them. */
  errors: unknown[];
}

/**
 * A Bolt app in HTTP mode on an ephemeral port. `app.start({ port: 0, host })` hands the options to
 * `server.listen()` and resolves with the node:http Server, whose address has the port.
 */
async function useBolt(fake: FakeSlack, register: (app: App) => void): Promise<RunningApp> {
  const app = new App({
    token: fake.botToken,
    signingSecret: SIGNING_SECRET,
    logLevel: LogLevel.ERROR,
    // No retries: a test that breaks the fake must fail now, not after web-api's 30-minute retry policy.
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
  });
  const errors: unknown[] = [];
  app.error(async (error) => {
    errors.push(error);
  });
  register(app);
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await app.stop();
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/slack/events`, errors };
}

/** The Slack error code of a failed Web API call, e.g. `not_in_channel`. */
function slackErrorCode(error: unknown): string | undefined {
  return error instanceof Error && 'data' in error
    ? (error as webApi.WebAPIPlatformError).data.error
    : undefined;
}

describe('fake Slack with the real Bolt app', () => {
  it('runs a slash command that acks, responds, posts and uploads a file with filesUploadV2', async () => {
    const fake = await useFakeSlack();
    const image = randomBytes(100_000);
    let uploadedFileId: string | undefined;
    // The fake sees the last call before the listener sees its answer: wait for the listener itself.
    let listenerDone = () => {};
    const listenerFinished = new Promise<void>((resolve) => {
      listenerDone = resolve;
    });
    const bolt = await useBolt(fake, (app) => {
      app.command('/skidio', async ({ ack, client, command, respond }) => {
        try {
          await ack();
          await respond({ response_type: 'ephemeral', text: 'Checking…' });
          await client.chat.postMessage({
            channel: command.channel_id,
            text: `Job ${command.text}: running`,
          });
          const result = await client.filesUploadV2({
            channel_id: command.channel_id,
            initial_comment: 'Job done',
            file_uploads: [{ file: image, filename: 'job-1.png' }],
          });
          uploadedFileId = result.files[0]?.files?.[0]?.id;
        } finally {
          listenerDone();
        }
      });
    });

    const response = await sendSlashCommand(bolt.url, SIGNING_SECRET, {
      text: 'status job-1',
      user_id: 'U_MEMBER',
      channel_id: 'C_PUBLIC',
      response_url: fake.responseUrl('cmd-1'),
    });
    expect(response.status).toBe(200);
    const completion = await fake.waitForCall('files.completeUploadExternal');
    await listenerFinished;

    expect(bolt.errors).toEqual([]);
    expect(fake.responseUrlPosts).toEqual([
      { id: 'cmd-1', body: { response_type: 'ephemeral', text: 'Checking…' }, accepted: true },
    ]);
    expect(fake.messages('C_PUBLIC')).toMatchObject([{ text: 'Job status job-1: running', edits: 0 }]);
    expect(fake.uploads).toHaveLength(1);
    const [upload] = fake.uploads;
    expect(upload?.filename).toBe('job-1.png');
    expect(upload?.declaredLength).toBe(image.length);
    expect(upload?.bytes.equals(image)).toBe(true);
    expect(completion.args).toMatchObject({
      channel_id: 'C_PUBLIC',
      initial_comment: 'Job done',
      files: [{ id: upload?.fileId, title: 'job-1.png' }],
    });
    expect(fake.files('C_PUBLIC')).toMatchObject([{ id: upload?.fileId, initialComment: 'Job done' }]);
    expect(uploadedFileId).toBe(upload?.fileId);
    // Bolt checks the token at construction and adds the workspace's team_id to every listener call.
    expect(fake.calls.map((call) => call.method)).toEqual([
      'auth.test',
      'chat.postMessage',
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
    expect(fake.calls.every((call) => call.authorization === 'present')).toBe(true);
    expect(fake.calls[1]?.args.team_id).toBe('T0000001');

    // The upload's message ts is only in files.info, as on Slack.
    const client = new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
    });
    const info = await client.files.info({ file: upload?.fileId ?? '' });
    expect(info.file?.shares?.public?.C_PUBLIC?.[0]?.ts).toBe(fake.files('C_PUBLIC')[0]?.ts);
  });

  it('rejects bad, missing, stale and wrongly keyed signatures with 401 before any listener runs', async () => {
    const fake = await useFakeSlack();
    let invocations = 0;
    const bolt = await useBolt(fake, (app) => {
      app.command('/skidio', async ({ ack }) => {
        invocations += 1;
        await ack();
      });
    });
    const fields = { text: 'help', user_id: 'U_MEMBER', channel_id: 'C_PUBLIC' };
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;

    const answers = await Promise.all([
      sendSlashCommand(bolt.url, SIGNING_SECRET, fields, { signature: 'v0=0123456789abcdef' }),
      sendSlashCommand(bolt.url, SIGNING_SECRET, fields, { signature: null }),
      sendSlashCommand(bolt.url, SIGNING_SECRET, fields, { timestamp: sixMinutesAgo }),
      sendSlashCommand(bolt.url, 'another-secret', fields),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401]);
    expect(invocations).toBe(0);

    const good = await sendSlashCommand(bolt.url, SIGNING_SECRET, fields);
    expect(good.status).toBe(200);
    expect(invocations).toBe(1);
  });

  it('answers not_in_channel, real or injected, and lets the app join public channels only', async () => {
    const fake = await useFakeSlack();
    const bolt = await useBolt(fake, (app) => {
      app.command('/skidio', async ({ ack, client, command, respond }) => {
        await ack();
        const post = () => client.chat.postMessage({ channel: command.channel_id, text: 'Result' });
        try {
          await post();
        } catch (error) {
          if (slackErrorCode(error) !== 'not_in_channel') throw error;
          try {
            await client.conversations.join({ channel: command.channel_id });
          } catch (joinError) {
            await respond(`Invite me first (${slackErrorCode(joinError)})`);
            return;
          }
          await post();
        }
      });
    });
    const send = (channelId: string, responseId: string) =>
      sendSlashCommand(bolt.url, SIGNING_SECRET, {
        text: 'status job-1',
        user_id: 'U_MEMBER',
        channel_id: channelId,
        response_url: fake.responseUrl(responseId),
      });

    await send('C_NOTJOINED', 'public');
    await fake.waitForCall('chat.postMessage', (call) => call.ok && call.args.channel === 'C_NOTJOINED');

    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await send('C_PUBLIC', 'injected');
    await fake.waitForCall('chat.postMessage', (call) => call.ok && call.args.channel === 'C_PUBLIC');

    await send('G_PRIVATE', 'private');
    const refusal = await fake.waitForResponseUrlPost('private');

    expect(bolt.errors).toEqual([]);
    expect(fake.calls.slice(1).map((call) => [call.method, call.args.channel, call.error ?? 'ok'])).toEqual([
      ['chat.postMessage', 'C_NOTJOINED', 'not_in_channel'],
      ['conversations.join', 'C_NOTJOINED', 'ok'],
      ['chat.postMessage', 'C_NOTJOINED', 'ok'],
      ['chat.postMessage', 'C_PUBLIC', 'not_in_channel'],
      ['conversations.join', 'C_PUBLIC', 'ok'],
      ['chat.postMessage', 'C_PUBLIC', 'ok'],
      ['chat.postMessage', 'G_PRIVATE', 'not_in_channel'],
      ['conversations.join', 'G_PRIVATE', 'method_not_supported_for_channel_type'],
    ]);
    expect(refusal.body).toEqual({ text: 'Invite me first (method_not_supported_for_channel_type)' });
    expect(fake.messages('C_NOTJOINED')).toHaveLength(1);
    expect(fake.messages('G_PRIVATE')).toEqual([]);
  });

  it('opens a modal with the trigger id and routes its view_submission back to app.view', async () => {
    const fake = await useFakeSlack();
    const bolt = await useBolt(fake, (app) => {
      app.command('/skidio', async ({ ack, client, command }) => {
        await ack();
        await client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'skidio_key_set',
            private_metadata: command.channel_id,
            title: { type: 'plain_text', text: 'Skidio API key' },
            submit: { type: 'plain_text', text: 'Save' },
            blocks: [
              {
                type: 'input',
                block_id: 'key',
                label: { type: 'plain_text', text: 'API key' },
                element: { type: 'plain_text_input', action_id: 'value' },
              },
            ],
          },
        });
      });
      app.view('skidio_key_set', async ({ ack, body, client, view }) => {
        const key = view.state.values.key?.value?.value;
        if (!key) {
          await ack({ response_action: 'errors', errors: { key: 'Enter a key.' } });
          return;
        }
        await ack();
        await client.chat.postEphemeral({
          channel: view.private_metadata,
          user: body.user.id,
          text: `Key saved: ••••${key.slice(-4)}`,
        });
      });
    });

    await sendSlashCommand(bolt.url, SIGNING_SECRET, {
      text: 'key set',
      user_id: 'U_ADMIN',
      channel_id: 'C_PUBLIC',
      trigger_id: 'trigger-1',
    });
    const opened = await fake.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe('trigger-1');
    expect(fake.views).toMatchObject([{ triggerId: 'trigger-1', view: { callback_id: 'skidio_key_set' } }]);

    const submit = (value: string | null) =>
      sendInteraction(
        bolt.url,
        SIGNING_SECRET,
        viewSubmission({
          callbackId: 'skidio_key_set',
          privateMetadata: 'C_PUBLIC',
          userId: 'U_ADMIN',
          viewId: fake.views[0]?.id ?? '',
          values: { key: { value: { type: 'plain_text_input', value } } },
        }),
      );
    const empty = await submit(null);
    expect(empty).toMatchObject({
      status: 200,
      json: { response_action: 'errors', errors: { key: 'Enter a key.' } },
    });

    const filled = await submit('sk-live-abcd1234');
    expect(filled.status).toBe(200);
    expect(filled.body).toBe('');
    await fake.waitForCall('chat.postEphemeral');
    expect(fake.ephemerals('C_PUBLIC')).toEqual([
      { channel: 'C_PUBLIC', user: 'U_ADMIN', text: 'Key saved: ••••1234', blocks: undefined },
    ]);
    expect(bolt.errors).toEqual([]);
  });
});
