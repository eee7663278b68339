// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { textOf } from '../adapters/slack/slack-calls.js';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../fakes/discord/index.js';
import { type RecordedCall, UPLOAD_URL } from '../fakes/slack/index.js';
import {
  isOriginalEditOf,
  slackText,
  startSlackWorld,
  startWorld,
  type World,
} from '../support/bot-world.js';
import { collectProcessFaults } from './process-faults.js';

/**
 * Discord and Slack failing the bot's posts and uploads. discord.js retries a 429 after its Retry-After and a
 * 5xx up to 3 more times; @slack/web-api waits out a 429's Retry-After and retries any HTTP failure under
 * the adapter's retry policy (3 retries). What still fails is logged and never crashes the process.
 */

const faults = collectProcessFaults();
afterAll(() => faults.stop());
afterEach(() => {
  expect(faults.describe()).toEqual([]);
});

/** A `/skidio status` interaction, built before it is sent so a test can aim a fault at its token. */
const statusPayload = (jobId: string) =>
  slashCommand({
    guildId: DEFAULT_GUILD_ID,
    channelId: DEFAULT_CHANNEL_ID,
    subcommand: 'status',
    options: [{ name: 'job_id', type: 3, value: jobId }],
  });

describe('Discord failing posts and uploads (whole bot)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a 429 on the image upload: discord.js waits Retry-After, retries, and the image arrives once', async () => {
    world = await startWorld();
    const payload = statusPayload('done-discord-429');
    const original = `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;
    world.discord.respondNext(
      { method: 'PATCH', path: original },
      { status: 429, json: { message: 'You are being rate limited.', retry_after: 0.05, global: false } },
    );
    await world.discord.dispatchInteraction(payload);
    const final = await world.discordFinal(payload);
    const edits = world.discord.requests.filter(isOriginalEditOf(payload));
    expect(edits.map((request) => [request.status, request.files.length])).toEqual([
      [429, 1],
      [200, 1],
    ]);
    expect(final.files[0]?.bytes.equals(await world.simulator.imageBytes('done-discord-429', 0))).toBe(true);
  });

  it('a 502 on the image upload: retried, and the image arrives once', async () => {
    world = await startWorld();
    const payload = statusPayload('done-discord-502');
    const original = `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;
    world.discord.respondNext(
      { method: 'PATCH', path: original },
      { status: 502, json: { message: 'Bad Gateway' } },
    );
    await world.discord.dispatchInteraction(payload);
    await world.discordFinal(payload);
    const edits = world.discord.requests.filter(isOriginalEditOf(payload));
    expect(edits.map((request) => request.status)).toEqual([502, 200]);
    expect(
      world.discord.channelMessages(DEFAULT_CHANNEL_ID).filter((message) => message.attachments.length > 0),
    ).toHaveLength(1);
  });

  it('a lasting 5xx on both the reply and the channel: logged, no crash, and the bot keeps serving', async () => {
    world = await startWorld();
    const payload = statusPayload('done-discord-down');
    const original = `/webhooks/${payload.application_id}/${payload.token}/messages/@original`;
    const serverError = { status: 500, json: { message: 'Internal Server Error', code: 0 } };
    // Four each: discord.js's first try and its three retries.
    world.discord.respondNext({ method: 'PATCH', path: original }, serverError, 4);
    world.discord.respondNext(
      { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` },
      serverError,
      4,
    );
    await world.discord.dispatchInteraction(payload);
    const current = world;
    const logged = () =>
      current.log.entries().find((entry) => entry.msg === 'could not post the final reply as a bot message');
    await vi.waitFor(() => expect(logged()).toMatchObject({ level: 50, httpStatus: 500 }));
    // discord.js tried the reply four times before the bot fell back to the channel (which failed too).
    const edits = world.discord.requests.filter(isOriginalEditOf(payload)).map((request) => request.status);
    expect(edits.slice(0, 4)).toEqual([500, 500, 500, 500]);

    const next = await world.discordStatus('done-discord-after');
    expect((await world.discordFinal(next)).files).toHaveLength(1);
  });
});

describe('Slack failing posts and uploads (whole bot, production retry policy)', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('a 429 on completing the upload: waited out, retried, and the image is shared once', async () => {
    world = await startWorld();
    world.slack.failNext('files.completeUploadExternal', { retryAfterSeconds: 0 });
    const since = world.slack.calls.length;
    await world.slackCommand('status done-slack-429');
    const shared = await world.slackFinal(since);
    expect(shared.method).toBe('files.completeUploadExternal');
    const completions = world.slack.calls.filter((call) => call.method === 'files.completeUploadExternal');
    expect(completions.map((call) => call.error ?? 'ok')).toEqual(['ratelimited', 'ok']);
    expect(world.slack.files('C_PUBLIC')).toHaveLength(1);
  });
});

describe('Slack failing posts and uploads (adapter, the same 3 retries with short waits)', () => {
  let slackWorld: World | undefined;
  afterEach(async () => {
    await slackWorld?.close();
    slackWorld = undefined;
  });
  const start = () =>
    startSlackWorld({
      adapterOptions: { slack: { retryConfig: { retries: 3, factor: 2, minTimeout: 10, maxTimeout: 50 } } },
    });
  const outcomes = (current: World, method: string) =>
    current.slack.calls
      .filter((call: RecordedCall) => call.method === method)
      .map((call) => call.error ?? 'ok');

  it('a 429 on asking for the upload URL: retried, and the image is shared once', async () => {
    slackWorld = await start();
    slackWorld.slack.failNext('files.getUploadURLExternal', { retryAfterSeconds: 0 });
    await slackWorld.slackCommand('status done-upload-429');
    await slackWorld.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcomes(slackWorld, 'files.getUploadURLExternal')).toEqual(['ratelimited', 'ok']);
    expect(slackWorld.slack.uploads).toHaveLength(1);
    expect(slackWorld.slack.files('C_PUBLIC')).toHaveLength(1);
  });

  it('a 503 on completing the upload: retried, and the image is shared once', async () => {
    slackWorld = await start();
    slackWorld.slack.failNext('files.completeUploadExternal', { status: 503, error: 'service_unavailable' });
    await slackWorld.slackCommand('status done-complete-503');
    await slackWorld.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcomes(slackWorld, 'files.completeUploadExternal')).toEqual(['service_unavailable', 'ok']);
    expect(slackWorld.slack.files('C_PUBLIC')).toHaveLength(1);
  });

  it('a 500 on posting progress: retried, and one progress message exists', async () => {
    slackWorld = await start();
    slackWorld.slack.failNext('chat.postMessage', { status: 500 });
    await slackWorld.slackCommand('status demo-progress-500');
    await slackWorld.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(outcomes(slackWorld, 'chat.postMessage')).toEqual(['internal_error', 'ok']);
    expect(slackWorld.slack.messages('C_PUBLIC')).toHaveLength(1);
  });

  it('a lasting 500 on the upload: logged, the channel is told, and the bot keeps serving', async () => {
    slackWorld = await start();
    // The first try and the three retries all fail.
    slackWorld.slack.failNext(UPLOAD_URL, { status: 500 }, 4);
    await slackWorld.slackCommand('status done-upload-down');
    const told = await slackWorld.slack.waitForCall('chat.postMessage', (call) =>
      textOf(call).includes('could not upload its images to Slack'),
    );
    expect(told.args.channel).toBe('C_PUBLIC');
    expect(slackWorld.slack.files('C_PUBLIC')).toEqual([]);
    const logged = slackWorld.log
      .entries()
      .find((entry) => entry.msg === 'could not upload job images to Slack');
    expect(logged).toMatchObject({ level: 50, jobId: 'done-upload-down' });

    await slackWorld.slackCommand('status done-upload-after');
    const shared = await slackWorld.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(slackText(shared)).toContain('`done-upload-after`');
  });

  it('a lasting 429 on posting progress: logged, and the result still arrives', async () => {
    slackWorld = await start();
    slackWorld.slack.failNext('chat.postMessage', { retryAfterSeconds: 0 }, 4);
    await slackWorld.slackCommand('status demo-progress-down');
    const shared = await slackWorld.slack.waitForCall('files.completeUploadExternal', (call) => call.ok);
    expect(slackText(shared)).toContain('`demo-progress-down`');
    expect(outcomes(slackWorld, 'chat.postMessage').slice(0, 4)).toEqual(Array(4).fill('ratelimited'));
    const logged = slackWorld.log
      .entries()
      .find((entry) => entry.msg === 'could not post job progress to Slack');
    expect(logged).toMatchObject({ level: 50 });
    expect(String(logged?.reason)).toMatch(/rate limit/);
  });
});
