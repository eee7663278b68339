import { afterEach, describe, expect, it } from 'vitest';
import { startSlackWorld, type World } from '../../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const outcome = (h: World) =>
  h.slack.calls
    .filter((call) => call.method !== 'auth.test')
    .map((call) => `${call.method}:${call.error ?? 'ok'}`);

describe('Slack channel membership', () => {
  it('joins a public channel on not_in_channel and shares the uploaded image again, once, without uploading it again', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status done-1', { channel_id: 'C_NOTJOINED' });
    await world.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcome(world)).toEqual([
      'files.getUploadURLExternal:ok',
      'files.completeUploadExternal:not_in_channel',
      'conversations.join:ok',
      'files.completeUploadExternal:ok',
    ]);
    expect(world.slack.files('C_NOTJOINED')).toHaveLength(1);
    expect(world.slack.uploads).toHaveLength(1);
    const upload = world.slack.uploads.at(-1);
    expect(upload?.bytes.equals(await world.simulator.imageBytes('done-1', 0))).toBe(true);
  });

  it('joins before the first progress message when Slack says not_in_channel', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status demo-join', { channel_id: 'C_NOTJOINED' });
    await world.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcome(world).slice(0, 3)).toEqual([
      'chat.postMessage:not_in_channel',
      'conversations.join:ok',
      'chat.postMessage:ok',
    ]);
    expect(outcome(world)).not.toContain('files.completeUploadExternal:not_in_channel');
  });

  it('tells the person how to invite the bot to a private channel it cannot join, and logs it', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status done-1', { channel_id: 'G_PRIVATE' });
    const hint = await world.slack.waitForResponseUrlPost('r1');
    expect(hint.body).toEqual({
      response_type: 'ephemeral',
      text: expect.stringContaining('`/invite <@UBOT0001>`'),
    });
    expect(outcome(world)).toEqual([
      'files.getUploadURLExternal:ok',
      'files.completeUploadExternal:not_in_channel',
      'conversations.join:method_not_supported_for_channel_type',
      'chat.postEphemeral:not_in_channel',
    ]);
    expect(world.slack.files('G_PRIVATE')).toEqual([]);
    const warning = world.log.entries().find((entry) => entry.channel === 'G_PRIVATE' && entry.level === 40);
    expect(warning?.msg).toContain('the bot is not in the channel');
  });

  it('stops posting progress into a channel it cannot reach, after one hint', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status demo-private-room', { channel_id: 'G_PRIVATE' });
    await world.slack.waitForResponseUrlPost('r1');
    // The watch still ends (the images are fetched) but nothing more is attempted in the channel.
    await world.services.watcher.idle();
    expect(outcome(world)).toEqual([
      'chat.postMessage:not_in_channel',
      'conversations.join:method_not_supported_for_channel_type',
      'chat.postEphemeral:not_in_channel',
    ]);
    expect(world.slack.responseUrlPosts).toHaveLength(1);
  });

  it('does not try to join a conversation between other people', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status done-1', { channel_id: 'D_SOMEONE' });
    const hint = await world.slack.waitForResponseUrlPost('r1');
    expect(JSON.stringify(hint.body)).toContain("I can't post in this conversation");
    expect(world.slackMethods()).not.toContain('conversations.join');
  });
});
