import { afterEach, describe, expect, it } from 'vitest';
import { type SlackHarness, startSlackHarness } from './slack-harness.js';

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const outcome = (h: SlackHarness) =>
  h.fake.calls
    .filter((call) => call.method !== 'auth.test')
    .map((call) => `${call.method}:${call.error ?? 'ok'}`);

describe('Slack channel membership', () => {
  it('joins a public channel on not_in_channel and uploads again, once', async () => {
    harness = await startSlackHarness();
    await harness.slash('status done-1', { channel_id: 'C_NOTJOINED' });
    await harness.fake.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcome(harness)).toEqual([
      'files.getUploadURLExternal:ok',
      'files.completeUploadExternal:not_in_channel',
      'conversations.join:ok',
      'files.getUploadURLExternal:ok',
      'files.completeUploadExternal:ok',
    ]);
    expect(harness.fake.files('C_NOTJOINED')).toHaveLength(1);
    const upload = harness.fake.uploads.at(-1);
    expect(upload?.bytes.equals(await harness.stack.simulator.imageBytes('done-1', 0))).toBe(true);
  });

  it('joins before the first progress message when Slack says not_in_channel', async () => {
    harness = await startSlackHarness();
    await harness.slash('status demo-join', { channel_id: 'C_NOTJOINED' });
    await harness.fake.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcome(harness).slice(0, 3)).toEqual([
      'chat.postMessage:not_in_channel',
      'conversations.join:ok',
      'chat.postMessage:ok',
    ]);
    expect(outcome(harness)).not.toContain('files.completeUploadExternal:not_in_channel');
  });

  it('tells the person how to invite the bot to a private channel it cannot join, and logs it', async () => {
    harness = await startSlackHarness();
    await harness.slash('status done-1', { channel_id: 'G_PRIVATE' });
    const hint = await harness.fake.waitForResponseUrlPost('r1');
    expect(hint.body).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('`/invite <@UBOT0001>`'),
    });
    expect(outcome(harness)).toEqual([
      'files.getUploadURLExternal:ok',
      'files.completeUploadExternal:not_in_channel',
      'conversations.join:method_not_supported_for_channel_type',
      'chat.postEphemeral:not_in_channel',
    ]);
    expect(harness.fake.files('G_PRIVATE')).toEqual([]);
    const warning = harness.stack.log
      .entries()
      .find((entry) => entry.channel === 'G_PRIVATE' && entry.level === 40);
    expect(warning?.msg).toContain('the bot is not in the channel');
  });

  it('stops posting progress into a channel it cannot reach, after one hint', async () => {
    harness = await startSlackHarness();
    await harness.slash('status demo-private-room', { channel_id: 'G_PRIVATE' });
    await harness.fake.waitForResponseUrlPost('r1');
    // The watch still ends (the images are fetched) but nothing more is attempted in the channel.
    await harness.stack.services.watcher.idle();
    expect(outcome(harness)).toEqual([
      'chat.postMessage:not_in_channel',
      'conversations.join:method_not_supported_for_channel_type',
      'chat.postEphemeral:not_in_channel',
    ]);
    expect(harness.fake.responseUrlPosts).toHaveLength(1);
  });

  it('does not try to join a conversation between other people', async () => {
    harness = await startSlackHarness();
    await harness.slash('status done-1', { channel_id: 'D_SOMEONE' });
    const hint = await harness.fake.waitForResponseUrlPost('r1');
    expect(JSON.stringify(hint.body)).toContain("I can't post in this conversation");
    expect(harness.methods()).not.toContain('conversations.join');
  });
});
