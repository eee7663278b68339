// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TOKEN_LIFETIME_MS } from '../../../src/adapters/discord/delivery.js';
import { DEFAULT_CHANNEL_ID, DEFAULT_USER, slashCommand } from '../../fakes/discord/index.js';
import { isOriginalEditOf, startDiscordWorld, type World } from '../../support/bot-world.js';
import { createSteppedClock, whileStepping } from '../../support/fake-clock.js';
import {
  contentOf,
  isChannelPost,
  jobIdOption,
  loggedSecrets,
  privateOption,
  USER_MENTION,
  waitForOriginalEdit,
} from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

/** Jobs stay queued until a test moves them: no race with the poll loop. */
const HELD = { simulator: { queueMs: 60_000 } };
const channelPosts = (current: World) => current.discord.requests.filter(isChannelPost(DEFAULT_CHANNEL_ID));

describe('jobs that outlive the interaction token', () => {
  it('hands over to channel messages at the token lifetime: progress and the image arrive with the mention', async () => {
    // Production's token lifetime, on a clock the test steps: the handover comes when the clock passes it.
    const clock = createSteppedClock();
    world = await startDiscordWorld({ ...HELD, clock });
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('never-a')] });
    await waitForOriginalEdit(world, payload, (content) => content.includes('queued'));
    await clock.advance(DEFAULT_TOKEN_LIFETIME_MS - 60_000);
    expect(channelPosts(world)).toEqual([]);
    await clock.advance(60_000);

    const handover = await world.discord.waitForRequest(isChannelPost(DEFAULT_CHANNEL_ID));
    expect(contentOf(handover)).toMatch(
      /^<@4000000000000000001> ⏳ (Still watching job `never-a`|Job `never-a` is queued)/,
    );
    expect(handover.json).toMatchObject({ allowed_mentions: { parse: [], users: [DEFAULT_USER.id] } });
    expect(handover.headers.authorization).toBe('Bot [redacted]');
    await waitForOriginalEdit(world, payload, (content) => content.includes('continue in a new message'));

    world.simulator.completeNow('never-a');
    const result = await whileStepping(
      clock,
      world.discord.waitForRequest(
        (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
      ),
    );
    expect(contentOf(result)).toContain(`requested by ${USER_MENTION}`);
    expect(result.files[0]?.bytes.equals(await world.simulator.imageBytes('never-a', 0))).toBe(true);
    // The result was not sent through the interaction.
    const edits = world.discord.requests.filter(isOriginalEditOf(payload));
    expect(edits.every((request) => request.files.length === 0)).toBe(true);
    // The progress message then points at the result instead of showing a stale state.
    await world.discord.waitForRequest(
      (request) =>
        request.method === 'PATCH' &&
        request.path.startsWith(`/channels/${DEFAULT_CHANNEL_ID}/messages/`) &&
        contentOf(request).includes('see below'),
    );
  });

  it('switches to channel messages when Discord says the token is dead (50027)', async () => {
    world = await startDiscordWorld(HELD);
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('never-b')] });
    await waitForOriginalEdit(world, payload, (content) => content.includes('queued'));
    world.discord.expireInteractionTokens();

    world.simulator.setJobState('never-b', 'IN_PROGRESS');
    const progress = await world.discord.waitForRequest(isChannelPost(DEFAULT_CHANNEL_ID));
    // The elapsed time is the one part not known in advance; it is still checked to be a time.
    expect(contentOf(progress)).toMatch(
      new RegExp(`^${USER_MENTION} 🎨 Job \`never-b\` is running \\(\\d+ s\\)\\.$`, 'u'),
    );
    const refused = await world.discord.waitForRequest(
      (request) => isOriginalEditOf(payload)(request) && request.status === 401,
    );
    expect(refused).toBeDefined();

    world.simulator.completeNow('never-b');
    const result = await world.discord.waitForRequest(
      (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
    );
    expect(contentOf(result)).toContain(USER_MENTION);
    expect(result.files[0]?.bytes.equals(await world.simulator.imageBytes('never-b', 0))).toBe(true);
  });

  it('when the bot may not post in the channel (50013), logs it and says so in the reply while it lives', async () => {
    world = await startDiscordWorld({ adapterOptions: { discord: { tokenLifetimeMs: 1 } } });
    world.discord.respondNext(
      { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` },
      { status: 403, json: { message: 'Missing Permissions', code: 50013 } },
      10,
    );
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('demo-c')] });
    const notice = await waitForOriginalEdit(world, payload, (content) =>
      content.includes('not allowed to post'),
    );
    expect(contentOf(notice)).toContain('`/skidio status demo-c`');
    await world.services.watcher.idle();

    const warnings = world.log.entries().filter((entry) => entry.level === 40);
    expect(warnings.some((entry) => String(entry.msg).includes('may not post in this channel'))).toBe(true);
    expect(warnings.find((entry) => entry.discordCode === 50013)).toBeDefined();
    expect(channelPosts(world).every((request) => request.status === 403)).toBe(true);
    expect(
      world.discord.channelMessages(DEFAULT_CHANNEL_ID).filter((message) => !message.webhook_id),
    ).toEqual([]);
  });

  it('sends a private result by DM past the token lifetime, never in the channel', async () => {
    world = await startDiscordWorld({ ...HELD, adapterOptions: { discord: { tokenLifetimeMs: 1 } } });
    const dmChannel = '3000000000000000077';
    // The fake learns a DM channel from a DM interaction (the bot answers it "servers only").
    await world.discordSend(slashCommand({ channelId: dmChannel, subcommand: 'help' }));
    world.discord.respondNext(
      { method: 'POST', path: '/users/@me/channels' },
      { status: 200, json: { id: dmChannel, type: 1 } },
    );

    const payload = await world.discordCommand({
      subcommand: 'status',
      options: [jobIdOption('never-p'), privateOption],
    });
    const open = await world.discord.waitForRequest((request) => request.path === '/users/@me/channels');
    expect(open.json).toEqual({ recipient_id: DEFAULT_USER.id });
    await waitForOriginalEdit(world, payload, (content) => content.includes('direct message'));

    world.simulator.completeNow('never-p');
    const result = await world.discord.waitForRequest(
      (request) => isChannelPost(dmChannel)(request) && request.files.length > 0,
    );
    expect(result.files[0]?.bytes.equals(await world.simulator.imageBytes('never-p', 0))).toBe(true);
    expect(channelPosts(world)).toEqual([]);
  });

  it('resumes a stored watch after a restart and finishes it on the same interaction, posting once', async () => {
    world = await startDiscordWorld(HELD);
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('never-r')] });
    await waitForOriginalEdit(world, payload, (content) => content.includes('queued'));
    // The process stops (watches stay in the store) and a new one resumes them.
    expect(await world.restart()).toBe(1);
    const unrelated = {
      id: 'x',
      platform: 'discord',
      requesterId: 'y',
      mention: 'you',
      joinedAt: 0,
      address: { kind: 'console' },
    };
    expect(
      world.adapter('discord').surfaceFor(unrelated, { workspace: 'console:local', jobId: 'j' }),
    ).toBeUndefined();

    world.simulator.completeNow('never-r');
    const result = await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    expect(result.files[0]?.bytes.equals(await world.simulator.imageBytes('never-r', 0))).toBe(true);
    await world.services.watcher.idle();
    expect(world.discord.requests.filter((request) => request.files.length > 0)).toHaveLength(1);
  });
});
