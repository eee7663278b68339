// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FORM_ID, KEY_INPUT_ID } from '../../../src/adapters/discord/key-form.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  MANAGE_GUILD,
  modalSubmit,
  type RecordedRequest,
} from '../../fakes/discord/index.js';
import {
  DISCORD_WORKSPACE,
  isCallbackOf,
  startDiscordWorld,
  TEST_API_KEY,
  type World,
} from '../../support/bot-world.js';
import { contentOf, loggedSecrets, waitForOriginalEdit } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

const admin = { id: '4000000000000000002', username: 'admin' };
const masked = `••••${TEST_API_KEY.slice(-4)}`;

/** Every byte the store wrote: the SQLite file and its journal. */
async function storeBytes(storeDir: string): Promise<string> {
  const files = await readdir(storeDir);
  const contents = await Promise.all(files.map((file) => readFile(join(storeDir, file))));
  return Buffer.concat(contents).toString('latin1');
}

async function submitKey(current: World, value: string) {
  return current.discordSend(
    modalSubmit({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      user: admin,
      permissions: MANAGE_GUILD,
      customId: KEY_FORM_ID,
      fields: [{ customId: KEY_INPUT_ID, value }],
    }),
  );
}

describe('/skidio key on Discord', () => {
  it('opens an empty form for an admin, stores the submitted key encrypted, and answers masked and privately', async () => {
    world = await startDiscordWorld({ keys: {} });
    const command = await world.discordCommand({
      group: 'key',
      subcommand: 'set',
      user: admin,
      permissions: MANAGE_GUILD,
    });

    const form = await world.discord.waitForRequest(isCallbackOf(command));
    expect(form.json).toMatchObject({
      type: 9,
      data: {
        custom_id: KEY_FORM_ID,
        components: [{ type: 18, component: { type: 4, custom_id: KEY_INPUT_ID } }],
      },
    });
    const input = (form.json as { data: { components: Array<{ component: Record<string, unknown> }> } }).data
      .components[0]?.component;
    // Never pre-filled: no value is sent with the form.
    expect(input?.value ?? '').toBe('');

    const submission = await submitKey(world, `  ${TEST_API_KEY} `);
    const deferral = await world.discord.waitForRequest(isCallbackOf(submission));
    expect(deferral.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await waitForOriginalEdit(world, submission, (content) => content.includes('Saved'));
    expect(contentOf(answer)).toContain(masked);
    expect(contentOf(answer)).not.toContain(TEST_API_KEY);

    expect(await world.services.keys.get(DISCORD_WORKSPACE)).toBe(TEST_API_KEY);
    expect(await world.services.keys.describe(DISCORD_WORKSPACE)).toMatchObject({ setBy: `<@${admin.id}>` });
    expect(await storeBytes(world.storeDir)).not.toContain(TEST_API_KEY);
    // The key was never sent back to Discord in any request.
    expect(JSON.stringify(world.discord.requests.map((request) => request.json))).not.toContain(TEST_API_KEY);
  });

  it('refuses a member without Manage Server privately, with no form', async () => {
    world = await startDiscordWorld({ keys: {} });
    const command = await world.discordCommand({ group: 'key', subcommand: 'set' });
    const callback = await world.discord.waitForRequest(isCallbackOf(command));
    expect(callback.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await waitForOriginalEdit(world, command, (content) => content.startsWith('🔒'));
    expect(contentOf(answer)).toContain('Only server admins');
    const modals = world.discord.requests.filter(
      (request: RecordedRequest) => (request.json as { type?: number })?.type === 9,
    );
    expect(modals).toEqual([]);
  });

  it('refuses a form submitted by a member who is no longer an admin', async () => {
    world = await startDiscordWorld({ keys: {} });
    const submission = await world.discordSend(
      modalSubmit({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        customId: KEY_FORM_ID,
        fields: [{ customId: KEY_INPUT_ID, value: TEST_API_KEY }],
      }),
    );
    await waitForOriginalEdit(world, submission, (content) => content.startsWith('🔒'));
    expect(await world.services.keys.describe(DISCORD_WORKSPACE)).toBeUndefined();
  });

  it('rejects a malformed key without echoing it', async () => {
    world = await startDiscordWorld({ keys: {} });
    const submission = await submitKey(world, 'not a key at all');
    const answer = await waitForOriginalEdit(world, submission, (content) => content.startsWith('⚠️'));
    expect(contentOf(answer)).toContain('does not look like a Skidio API key');
    expect(contentOf(answer)).not.toContain('not a key at all');
  });

  it('shows and clears the key for admins, privately', async () => {
    world = await startDiscordWorld();
    const asAdmin = { group: 'key', user: admin, permissions: MANAGE_GUILD } as const;

    const show = await world.discordCommand({ ...asAdmin, subcommand: 'show' });
    expect((await world.discord.waitForRequest(isCallbackOf(show))).json).toMatchObject({
      type: 5,
      data: { flags: 64 },
    });
    const shown = await waitForOriginalEdit(world, show, (content) => content.startsWith('🔑'));
    expect(contentOf(shown)).toContain(`${masked}, set by test`);

    const clear = await world.discordCommand({ ...asAdmin, subcommand: 'clear' });
    const cleared = await waitForOriginalEdit(world, clear, (content) => content.startsWith('🔑'));
    expect(contentOf(cleared)).toContain('Removed');
    expect(await world.services.keys.describe(DISCORD_WORKSPACE)).toBeUndefined();

    const again = await world.discordCommand({ ...asAdmin, subcommand: 'show' });
    const none = await waitForOriginalEdit(world, again, (content) => content.startsWith('🔑'));
    expect(contentOf(none)).toContain('No Skidio API key is set');
  });

  it('refuses key show and clear to other members', async () => {
    world = await startDiscordWorld();
    const show = await world.discordCommand({ group: 'key', subcommand: 'show' });
    await waitForOriginalEdit(world, show, (content) => content.startsWith('🔒'));
    const clear = await world.discordCommand({ group: 'key', subcommand: 'clear' });
    await waitForOriginalEdit(world, clear, (content) => content.startsWith('🔒'));
    expect(await world.services.keys.describe(DISCORD_WORKSPACE)).toBeDefined();
  });
});
