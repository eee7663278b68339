/**
 * The buttons under a result on Discord, end to end with the real discord.js client against the fake
 * gateway and REST: each click is a component interaction carrying only the record's id; Details answers
 * privately, Share posts the kept images in the channel, Again submits anew, Delete removes the message
 * clicked (for the person who asked or an admin), and every button still works after a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buttonClick,
  type CommandOptionInput,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeMessage,
  type InteractionPayload,
  MANAGE_GUILD,
} from '../fakes/discord/index.js';
import { discordContent, startWorld, type World } from '../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const ASKER = { id: '4000000000000000001', username: 'tester' };
const SOMEONE_ELSE = { id: '4000000000000000002', username: 'other' };
const AN_ADMIN = { id: '4000000000000000003', username: 'admin' };

interface Button {
  label: string;
  custom_id: string;
  style: number;
}

function buttonsOf(message: FakeMessage): Button[] {
  const rows = message.components as { components?: Button[] }[];
  return rows.flatMap((row) => row.components ?? []);
}

/** The bot's message in the default channel that carries the buttons of `payload`'s result. */
function resultMessage(current: World, payload: InteractionPayload): FakeMessage {
  const message = current.discord
    .channelMessages(DEFAULT_CHANNEL_ID)
    .find(
      (candidate) =>
        (candidate.interaction_metadata as { id?: string } | undefined)?.id === payload.id &&
        buttonsOf(candidate).length > 0,
    );
  if (!message) throw new Error('no result message with buttons');
  return message;
}

/** Clicks the button labelled `label` on `message`, as `user`. */
function click(
  current: World,
  message: FakeMessage,
  label: string,
  user = ASKER,
  permissions = 0n,
): Promise<InteractionPayload> {
  const button = buttonsOf(message).find((candidate) => candidate.label === label);
  if (!button) throw new Error(`no ${label} button`);
  return current.discordSend(
    buttonClick({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      user,
      permissions,
      customId: button.custom_id,
      message: message as unknown as Record<string, unknown>,
    }),
  );
}

/** The private follow-up of a click acknowledged as an update (Delete). */
function followUpOf(current: World, payload: InteractionPayload) {
  return current.discord.waitForRequest(
    (request) =>
      request.method === 'POST' &&
      request.path.endsWith(`/webhooks/${payload.application_id}/${payload.token}`),
    10_000,
  );
}

async function imagined(current: World, options: CommandOptionInput[]) {
  const payload = await current.discordCommand({
    subcommand: 'imagine',
    options: [{ name: 'prompt', type: 3, value: 'a paper boat' }, ...options],
  });
  await current.discordFinal(payload, 20_000);
  return { payload, message: resultMessage(current, payload) };
}

describe('result buttons on Discord', () => {
  it('puts Again, Share, Details and Delete under a private imagine result, carrying only a short record id', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, [{ name: 'private', type: 5, value: true }]);
    expect(message.flags & 64).toBe(64);
    const buttons = buttonsOf(message);
    expect(buttons.map((button) => `${button.label}:${button.style}`)).toEqual([
      'Again:1',
      'Share:2',
      'Details:2',
      'Delete:4',
    ]);
    for (const button of buttons)
      expect(button.custom_id).toMatch(/^skidio:(again|share|details|delete):[A-Za-z0-9_-]{16}(:private)?$/);
    // The settings are in the store, not in the buttons.
    expect(buttons.map((button) => button.custom_id).join()).not.toContain('paper');
  });

  it('Details answers privately; Share posts the images publicly crediting the asker; Again submits with a new seed', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, [
      { name: 'private', type: 5, value: true },
      { name: 'seed', type: 4, value: 42 },
    ]);

    const details = await click(current, message, 'Details');
    const detailsReply = await current.discordFinal(details);
    expect(discordContent(detailsReply)).toContain('Seed: 42');
    expect(discordContent(detailsReply)).toContain('Prompt: “a paper boat”');

    const share = await click(current, message, 'Share');
    const shared = await current.discordFinal(share);
    expect(shared.files).toHaveLength(1);
    expect(discordContent(shared)).toMatch(/^📣 <@4000000000000000001> shared their result of job `/);
    const sharedMessage = current.discord
      .channelMessages(DEFAULT_CHANNEL_ID)
      .find((candidate) => (candidate.interaction_metadata as { id?: string } | undefined)?.id === share.id);
    expect((sharedMessage?.flags ?? 64) & 64).toBe(0);

    const before = current.simulator.requests.filter((r) => r.path.endsWith('/txt2img/async')).length;
    const again = await click(current, message, 'Again', SOMEONE_ELSE);
    const againResult = await current.discordFinal(again, 20_000);
    expect(againResult.files).toHaveLength(1);
    const submissions = current.simulator.requests.filter((r) => r.path.endsWith('/txt2img/async'));
    expect(submissions).toHaveLength(before + 1);
    expect(submissions.at(-1)?.body).toMatchObject({ prompt: 'a paper boat' });
    expect((submissions.at(-1)?.body as { seed?: number } | undefined)?.seed).not.toBe(42);
  });

  it('Delete: refused for someone else, removes the message for an admin, and the buttons then say the result is gone', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, []);
    expect(buttonsOf(message).map((button) => button.label)).toEqual(['Again', 'Details', 'Delete']);

    const refused = await click(current, message, 'Delete', SOMEONE_ELSE);
    expect(discordContent(await followUpOf(current, refused))).toBe(
      '🗂️ Only the person who asked for this result, or an admin, can delete it.',
    );
    expect(current.discord.channelMessages(DEFAULT_CHANNEL_ID).some((m) => m.id === message.id)).toBe(true);

    const deleted = await click(current, message, 'Delete', AN_ADMIN, MANAGE_GUILD);
    expect(discordContent(await followUpOf(current, deleted))).toMatch(/^🗑️ Deleted the result of job `/);
    expect(current.discord.channelMessages(DEFAULT_CHANNEL_ID).some((m) => m.id === message.id)).toBe(false);

    const late = await click(current, message, 'Details');
    expect(discordContent(await current.discordFinal(late))).toBe(
      '🗂️ That result is no longer available: results and their buttons are kept for 30 days.',
    );
  });

  it('keeps every button working after a restart of the bot', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, [
      { name: 'private', type: 5, value: true },
      { name: 'seed', type: 4, value: 9 },
    ]);
    await current.restart();
    const details = await click(current, message, 'Details');
    expect(discordContent(await current.discordFinal(details))).toContain('Seed: 9');
    const share = await click(current, message, 'Share');
    expect((await current.discordFinal(share)).files).toHaveLength(1);
    const deleted = await click(current, message, 'Delete');
    await followUpOf(current, deleted);
    expect(current.discord.channelMessages(DEFAULT_CHANNEL_ID).some((m) => m.id === message.id)).toBe(false);
  });

  it('shares a private result from the DM it was handed over to: into the channel it was asked in', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, [{ name: 'private', type: 5, value: true }]);
    const share = buttonsOf(message).find((button) => button.label === 'Share');
    // After 15 minutes a private result goes by DM, buttons included: the click then comes from the DM.
    const click = await current.discordSend(
      buttonClick({
        channelId: '5000000000000000001',
        user: ASKER,
        customId: share?.custom_id ?? 'missing',
        message: message as unknown as Record<string, unknown>,
      }),
    );
    const posted = await current.discord.waitForRequest(
      (request) =>
        request.method === 'POST' &&
        request.path === `/channels/${DEFAULT_CHANNEL_ID}/messages` &&
        request.status < 300,
      10_000,
    );
    expect(posted.files).toHaveLength(1);
    expect(discordContent(posted)).toMatch(/^📣 <@4000000000000000001> shared their result of job `/);
    expect(discordContent(await current.discordFinal(click))).toMatch(
      /^📣 Shared job `[^`]+` in the channel\.$/,
    );
  });

  it('answers a button it does not know, politely and privately', async () => {
    const current = await startWorld({ platforms: ['discord'] });
    world = current;
    const { message } = await imagined(current, []);
    const payload = await current.discordSend(
      buttonClick({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        customId: 'someone-elses-button',
        message: message as unknown as Record<string, unknown>,
      }),
    );
    const answer = await current.discord.waitForRequest(
      (request) => request.path.startsWith(`/interactions/${payload.id}/`),
      10_000,
    );
    expect(answer.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(discordContent(answer)).toMatch(/That button no longer works/);
  });
});
