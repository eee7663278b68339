// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_USER, slashCommand } from '../../fakes/discord/index.js';
import {
  contentOf,
  type DiscordHarness,
  isChannelPost,
  isOriginalEditOf,
  jobIdOption,
  loggedSecrets,
  privateOption,
  startDiscordHarness,
  USER_MENTION,
  waitForOriginalEdit,
} from './discord-harness.js';

let harness: DiscordHarness | undefined;
afterEach(async () => {
  if (harness) expect(loggedSecrets(harness)).toEqual([]);
  await harness?.close();
  harness = undefined;
});

/** Jobs stay queued until a test moves them: no race with the poll loop. */
const HELD = { simulator: { queueMs: 60_000 } };
const channelPosts = (current: DiscordHarness) =>
  current.fake.requests.filter(isChannelPost(DEFAULT_CHANNEL_ID));

describe('jobs that outlive the interaction token', () => {
  it('hands over to channel messages at the token lifetime: progress and the image arrive with the mention', async () => {
    harness = await startDiscordHarness({ ...HELD, adapter: { tokenLifetimeMs: 1 } });
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('never-a')] });

    const handover = await harness.fake.waitForRequest(isChannelPost(DEFAULT_CHANNEL_ID));
    expect(contentOf(handover)).toMatch(
      /^<@4000000000000000001> ⏳ (Still watching job `never-a`|Job `never-a` is queued)/,
    );
    expect(handover.json).toMatchObject({ allowed_mentions: { parse: [], users: [DEFAULT_USER.id] } });
    expect(handover.headers.authorization).toBe('Bot [redacted]');
    await waitForOriginalEdit(harness, payload, (content) => content.includes('continue in a new message'));

    harness.stack.simulator.completeNow('never-a');
    const result = await harness.fake.waitForRequest(
      (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
    );
    expect(contentOf(result)).toContain(`requested by ${USER_MENTION}`);
    expect(result.files[0]?.bytes.equals(await harness.stack.simulator.imageBytes('never-a', 0))).toBe(true);
    // The result was not sent through the interaction.
    const edits = harness.fake.requests.filter(isOriginalEditOf(payload));
    expect(edits.every((request) => request.files.length === 0)).toBe(true);
    // The progress message then points at the result instead of showing a stale state.
    await harness.fake.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.path.startsWith(`/channels/${DEFAULT_CHANNEL_ID}/messages/`) &&
        contentOf(request).includes('see below'),
    );
  });

  it('switches to channel messages when Discord says the token is dead (50027)', async () => {
    harness = await startDiscordHarness(HELD);
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('never-b')] });
    await waitForOriginalEdit(harness, payload, (content) => content.includes('queued'));
    harness.fake.expireInteractionTokens();

    harness.stack.simulator.setJobState('never-b', 'IN_PROGRESS');
    const progress = await harness.fake.waitForRequest(isChannelPost(DEFAULT_CHANNEL_ID));
    expect(contentOf(progress)).toBe(
      `${USER_MENTION} 🎨 Job \`never-b\` is running (${contentOf(progress).match(/\((.+)\)/)?.[1]}).`,
    );
    const refused = await harness.fake.waitForRequest(
      (request) => isOriginalEditOf(payload)(request) && request.status === 401,
    );
    expect(refused).toBeDefined();

    harness.stack.simulator.completeNow('never-b');
    const result = await harness.fake.waitForRequest(
      (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
    );
    expect(contentOf(result)).toContain(USER_MENTION);
    expect(result.files[0]?.bytes.equals(await harness.stack.simulator.imageBytes('never-b', 0))).toBe(true);
  });

  it('when the bot may not post in the channel (50013), logs it and says so in the reply while it lives', async () => {
    harness = await startDiscordHarness({ adapter: { tokenLifetimeMs: 1 } });
    harness.fake.respondNext(
      { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` },
      { status: 403, json: { message: 'Missing Permissions', code: 50013 } },
      10,
    );
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('demo-c')] });
    const notice = await waitForOriginalEdit(harness, payload, (content) =>
      content.includes('not allowed to post'),
    );
    expect(contentOf(notice)).toContain('`/skidio status demo-c`');
    await harness.stack.services.watcher.idle();

    const warnings = harness.stack.log.entries().filter((entry) => entry.level === 40);
    expect(warnings.some((entry) => String(entry.msg).includes('may not post in this channel'))).toBe(true);
    expect(warnings.find((entry) => entry.discordCode === 50013)).toBeDefined();
    expect(channelPosts(harness).every((request) => request.status === 403)).toBe(true);
    expect(harness.fake.channelMessages(DEFAULT_CHANNEL_ID).filter((message) => !message.webhook_id)).toEqual(
      [],
    );
  });

  it('sends a private result by DM past the token lifetime, never in the channel', async () => {
    harness = await startDiscordHarness({ ...HELD, adapter: { tokenLifetimeMs: 1 } });
    const dmChannel = '3000000000000000077';
    // The fake learns a DM channel from a DM interaction (the bot answers it "servers only").
    await harness.send(slashCommand({ channelId: dmChannel, subcommand: 'help' }));
    harness.fake.respondNext(
      { method: 'POST', path: '/users/@me/channels' },
      { status: 200, json: { id: dmChannel, type: 1 } },
    );

    const payload = await harness.command({
      subcommand: 'status',
      options: [jobIdOption('never-p'), privateOption],
    });
    const open = await harness.fake.waitForRequest((request) => request.path === '/users/@me/channels');
    expect(open.json).toEqual({ recipient_id: DEFAULT_USER.id });
    await waitForOriginalEdit(harness, payload, (content) => content.includes('direct message'));

    harness.stack.simulator.completeNow('never-p');
    const result = await harness.fake.waitForRequest(
      (request) => isChannelPost(dmChannel)(request) && request.files.length > 0,
    );
    expect(result.files[0]?.bytes.equals(await harness.stack.simulator.imageBytes('never-p', 0))).toBe(true);
    expect(channelPosts(harness)).toEqual([]);
  });

  it('resumes a stored watch after a restart and finishes it on the same interaction, posting once', async () => {
    harness = await startDiscordHarness(HELD);
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('never-r')] });
    await waitForOriginalEdit(harness, payload, (content) => content.includes('queued'));
    // The process stops (watches stay in the store) and a new one resumes them.
    expect(await harness.restart()).toBe(1);
    const unrelated = {
      id: 'x',
      platform: 'discord',
      requesterId: 'y',
      mention: 'you',
      joinedAt: 0,
      address: { kind: 'console' },
    };
    expect(harness.adapter.surfaceFor(unrelated, { workspace: 'console:local', jobId: 'j' })).toBeUndefined();

    harness.stack.simulator.completeNow('never-r');
    const result = await waitForOriginalEdit(
      harness,
      payload,
      (_content, request) => request.files.length > 0,
    );
    expect(result.files[0]?.bytes.equals(await harness.stack.simulator.imageBytes('never-r', 0))).toBe(true);
    await harness.services.watcher.idle();
    expect(harness.fake.requests.filter((request) => request.files.length > 0)).toHaveLength(1);
  });
});
