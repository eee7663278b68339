// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_USER } from '../../fakes/discord/index.js';
import { isCallbackOf, isOriginalEditOf, startDiscordWorld, type World } from '../../support/bot-world.js';
import {
  contentOf,
  isChannelPost,
  jobIdOption,
  loggedSecrets,
  privateOption,
  USER_MENTION,
} from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

const unknownInteraction = { status: 404, json: { message: 'Unknown interaction', code: 10062 } };

describe('Discord errors', () => {
  it('when the acknowledgement comes too late (10062), logs it and posts a public result in the channel', async () => {
    world = await startDiscordWorld();
    world.discord.respondNext({ path: /\/callback$/ }, unknownInteraction);
    await world.discordCommand({ subcommand: 'status', options: [jobIdOption('done-late')] });
    const result = await world.discord.waitForRequest(
      (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
    );
    expect(contentOf(result)).toContain(`requested by ${USER_MENTION}`);
    expect(result.files[0]?.bytes.equals(await world.simulator.imageBytes('done-late', 0))).toBe(true);
    const warning = world.log.entries().find((entry) => entry.discordCode === 10062);
    expect(warning).toMatchObject({ level: 40, msg: 'could not acknowledge an interaction in time' });
    // The logged request names the route, never the interaction token.
    expect(String(warning?.request)).toMatch(/^POST \/api\/v10\/interactions\/\d+\/\[token\]\/callback$/);
  });

  it('when a private command cannot be acknowledged, posts nothing publicly', async () => {
    world = await startDiscordWorld();
    world.discord.respondNext({ path: /\/callback$/ }, unknownInteraction);
    await world.discordCommand({
      subcommand: 'status',
      options: [jobIdOption('done-secret'), privateOption],
    });
    const current = world;
    await vi.waitFor(() =>
      expect(current.log.entries().some((entry) => entry.discordCode === 10062)).toBe(true),
    );
    await current.services.watcher.idle();
    expect(
      world.discord.requests.filter(
        (request) => request.method !== 'GET' && !request.path.endsWith('/callback'),
      ),
    ).toEqual([]);
    expect(world.simulator.requests).toEqual([]);
  });

  it('when Discord keeps failing with 5xx after discord.js’s retries, posts the result as a bot message', async () => {
    world = await startDiscordWorld();
    world.discord.respondNext(
      { method: 'PATCH', path: /\/messages\/@original$/ },
      { status: 500, json: { message: 'Internal Server Error', code: 0 } },
      4,
    );
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('done-5xx')] });
    const result = await world.discord.waitForRequest(
      (request) => isChannelPost(DEFAULT_CHANNEL_ID)(request) && request.files.length > 0,
    );
    // discord.js tried the edit four times (once and three retries) before giving up.
    expect(world.discord.requests.filter(isOriginalEditOf(payload)).map((request) => request.status)).toEqual(
      [500, 500, 500, 500],
    );
    expect(result.json).toMatchObject({ allowed_mentions: { users: [DEFAULT_USER.id] } });
    const warning = world.log.entries().find((entry) => entry.httpStatus === 500);
    expect(warning).toMatchObject({ msg: 'the interaction reply failed; posting a bot message instead' });
  });

  it('answers a subcommand this version does not know (a stale registration) privately', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand({ subcommand: 'frobnicate' });
    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    expect(callback.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect((callback.json as { data: { content: string } }).data.content).toContain('/skidio help');
  });
});
