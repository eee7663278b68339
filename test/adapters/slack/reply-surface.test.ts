import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNELS, UPLOAD_URL } from '../../fakes/slack/index.js';
import { startSlackWorld, type World } from '../../support/bot-world.js';
import { textOf } from './slack-calls.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const isDone = (jobId: string) => (call: { args: Record<string, unknown> }) =>
  typeof call.args.text === 'string' && call.args.text.startsWith(`✅ Job \`${jobId}\` is done`);

describe('Slack replies', () => {
  it('uploads a completed job in one shared message in the channel, byte-identical', async () => {
    world = await startSlackWorld();
    const response = await world.slackCommand('status done-1');
    expect(response.status).toBe(200);
    const completion = await world.slack.waitForCall('files.completeUploadExternal');
    const upload = await world.slack.waitForUpload();

    const expected = await world.simulator.imageBytes('done-1', 0);
    expect(upload.bytes.equals(expected)).toBe(true);
    expect(upload.declaredLength).toBe(expected.length);
    expect(upload.filename).toBe('done-1-1.png');
    expect(completion.args).toMatchObject({ channel_id: 'C_PUBLIC', files: [{ id: upload.fileId }] });
    const comment = String(completion.args.initial_comment);
    expect(comment).toContain('`done-1`');
    expect(comment).toContain('<@U_MEMBER>');
    expect(world.slack.files('C_PUBLIC')).toMatchObject([{ id: upload.fileId, initialComment: comment }]);
    // Done at the first check: no progress message was needed.
    expect(world.slackMethods()).toEqual(['files.getUploadURLExternal', 'files.completeUploadExternal']);
  });

  it('posts progress once, edits it only when the state changes, then marks it done', async () => {
    world = await startSlackWorld({ simulator: { queueMs: 300, runMs: 600 } });
    await world.slackCommand('status demo-x');
    await world.slack.waitForCall('chat.update', isDone('demo-x'));

    const posts = world.slack.calls.filter((call) => call.method === 'chat.postMessage');
    const updates = world.slack.calls.filter((call) => call.method === 'chat.update');
    expect(posts.map(textOf)).toEqual([expect.stringMatching(/^⏳ Job `demo-x` is queued \(\d+ s\)\.$/)]);
    expect(updates.map(textOf)).toEqual([
      expect.stringMatching(/^🎨 Job `demo-x` is running \(\d+ s\)\.$/),
      '✅ Job `demo-x` is done: the image is posted below.',
    ]);
    const [message] = world.slack.messages('C_PUBLIC');
    expect(world.slack.messages('C_PUBLIC')).toEqual([expect.objectContaining({ edits: 2 })]);
    expect(updates.map((call) => call.args.ts)).toEqual([message?.ts, message?.ts]);
    expect(world.slack.files('C_PUBLIC')).toHaveLength(1);
  });

  it('shares all images of a batch in one completeUploadExternal call', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status batch3-x');
    await world.slack.waitForCall('chat.update', isDone('batch3-x'));
    const completions = world.slack.calls.filter((call) => call.method === 'files.completeUploadExternal');
    expect(completions).toHaveLength(1);
    expect(completions[0]?.args.files).toHaveLength(3);
    expect(world.slack.uploads.map((upload) => upload.filename).sort()).toEqual([
      'batch3-x-1.png',
      'batch3-x-2.png',
      'batch3-x-3.png',
    ]);
    for (const upload of world.slack.uploads) {
      const index = Number(upload.filename.slice('batch3-x-'.length, -'.png'.length)) - 1;
      expect(upload.bytes.equals(await world.simulator.imageBytes('batch3-x', index))).toBe(true);
    }
    expect(String(completions[0]?.args.initial_comment)).toContain('3 images');
  });

  it('turns the progress message into the failure when the job fails', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status fail-1');
    const failed = await world.slack.waitForCall('chat.update', (call) => textOf(call).startsWith('❌'));
    expect(textOf(failed)).toBe('❌ Job `fail-1` failed: NSFW content detected');
    expect(world.slack.messages('C_PUBLIC')).toMatchObject([
      { text: '❌ Job `fail-1` failed: NSFW content detected' },
    ]);
    expect(world.slack.uploads).toEqual([]);
  });

  it('sends a private result to the requester by DM and says so in the channel', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status done-1 private');
    const note = await world.slack.waitForCall('chat.postEphemeral');
    const opened = world.slack.calls.find((call) => call.method === 'conversations.open');
    expect(opened?.args).toMatchObject({ users: 'U_MEMBER' });
    const completion = world.slack.calls.find((call) => call.method === 'files.completeUploadExternal');
    const dm = String(completion?.args.channel_id);
    expect(dm).toMatch(/^D/);
    expect(world.slack.files(dm)).toHaveLength(1);
    expect(world.slack.files('C_PUBLIC')).toEqual([]);
    expect(note.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
    expect(textOf(note)).toContain('in a direct message');
  });

  it('works in a direct message with the bot', async () => {
    world = await startSlackWorld({
      slackFake: { channels: { ...DEFAULT_CHANNELS, D_BOT: { isIm: true } } },
    });
    await world.slackCommand('status done-1', { channel_id: 'D_BOT' });
    await world.slack.waitForCall('files.completeUploadExternal');
    expect(world.slack.files('D_BOT')).toHaveLength(1);
    expect(world.slackMethods()).not.toContain('conversations.join');
  });

  it('retries a rate-limited post after Retry-After', async () => {
    world = await startSlackWorld({
      adapterOptions: { slack: { retryConfig: { retries: 1, minTimeout: 0, maxTimeout: 0 } } },
    });
    world.slack.failNext('chat.postMessage', { retryAfterSeconds: 0 });
    await world.slackCommand('status demo-r');
    await world.slack.waitForCall('chat.update', isDone('demo-r'));
    const posts = world.slack.calls.filter((call) => call.method === 'chat.postMessage');
    expect(posts.map((call) => call.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
    expect(world.slack.messages('C_PUBLIC')).toHaveLength(1);
  });

  it('says so in the channel when Slack will not take the images, and logs it', async () => {
    world = await startSlackWorld();
    world.slack.failNext(UPLOAD_URL, { status: 500 });
    await world.slackCommand('status done-1');
    const said = await world.slack.waitForCall('chat.postMessage');
    expect(said.args.channel).toBe('C_PUBLIC');
    expect(textOf(said)).toContain('could not upload its images to Slack');
    expect(world.slack.files('C_PUBLIC')).toEqual([]);
    expect(world.log.lines.some((line) => line.includes('could not upload job images to Slack'))).toBe(true);
  });
});
