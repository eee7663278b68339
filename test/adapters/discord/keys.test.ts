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
import { TEST_API_KEY } from '../../support/bot-stack.js';
import {
  contentOf,
  type DiscordHarness,
  isCallbackOf,
  loggedSecrets,
  startDiscordHarness,
  WORKSPACE,
  waitForOriginalEdit,
} from './discord-harness.js';

let harness: DiscordHarness | undefined;
afterEach(async () => {
  if (harness) expect(loggedSecrets(harness)).toEqual([]);
  await harness?.close();
  harness = undefined;
});

const admin = { id: '4000000000000000002', username: 'admin' };
const masked = `••••${TEST_API_KEY.slice(-4)}`;

/** Every byte the store wrote: the SQLite file and its journal. */
async function storeBytes(storeDir: string): Promise<string> {
  const files = await readdir(storeDir);
  const contents = await Promise.all(files.map((file) => readFile(join(storeDir, file))));
  return Buffer.concat(contents).toString('latin1');
}

async function submitKey(current: DiscordHarness, value: string) {
  return current.send(
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
    harness = await startDiscordHarness({ withKey: false });
    const command = await harness.command({
      group: 'key',
      subcommand: 'set',
      user: admin,
      permissions: MANAGE_GUILD,
    });

    const form = await harness.fake.waitForRequest(isCallbackOf(command));
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

    const submission = await submitKey(harness, `  ${TEST_API_KEY} `);
    const deferral = await harness.fake.waitForRequest(isCallbackOf(submission));
    expect(deferral.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await waitForOriginalEdit(harness, submission, (content) => content.includes('Saved'));
    expect(contentOf(answer)).toContain(masked);
    expect(contentOf(answer)).not.toContain(TEST_API_KEY);

    expect(await harness.stack.services.keys.get(WORKSPACE)).toBe(TEST_API_KEY);
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toMatchObject({ setBy: `<@${admin.id}>` });
    expect(await storeBytes(harness.stack.storeDir)).not.toContain(TEST_API_KEY);
    // The key was never sent back to Discord in any request.
    expect(JSON.stringify(harness.fake.requests.map((request) => request.json))).not.toContain(TEST_API_KEY);
  });

  it('refuses a member without Manage Server privately, with no form', async () => {
    harness = await startDiscordHarness({ withKey: false });
    const command = await harness.command({ group: 'key', subcommand: 'set' });
    const callback = await harness.fake.waitForRequest(isCallbackOf(command));
    expect(callback.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await waitForOriginalEdit(harness, command, (content) => content.startsWith('🔒'));
    expect(contentOf(answer)).toContain('Only server admins');
    const modals = harness.fake.requests.filter(
      (request: RecordedRequest) => (request.json as { type?: number })?.type === 9,
    );
    expect(modals).toEqual([]);
  });

  it('refuses a form submitted by a member who is no longer an admin', async () => {
    harness = await startDiscordHarness({ withKey: false });
    const submission = await harness.send(
      modalSubmit({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        customId: KEY_FORM_ID,
        fields: [{ customId: KEY_INPUT_ID, value: TEST_API_KEY }],
      }),
    );
    await waitForOriginalEdit(harness, submission, (content) => content.startsWith('🔒'));
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();
  });

  it('rejects a malformed key without echoing it', async () => {
    harness = await startDiscordHarness({ withKey: false });
    const submission = await submitKey(harness, 'not a key at all');
    const answer = await waitForOriginalEdit(harness, submission, (content) => content.startsWith('⚠️'));
    expect(contentOf(answer)).toContain('does not look like a Skidio API key');
    expect(contentOf(answer)).not.toContain('not a key at all');
  });

  it('shows and clears the key for admins, privately', async () => {
    harness = await startDiscordHarness();
    const asAdmin = { group: 'key', user: admin, permissions: MANAGE_GUILD } as const;

    const show = await harness.command({ ...asAdmin, subcommand: 'show' });
    expect((await harness.fake.waitForRequest(isCallbackOf(show))).json).toMatchObject({
      type: 5,
      data: { flags: 64 },
    });
    const shown = await waitForOriginalEdit(harness, show, (content) => content.startsWith('🔑'));
    expect(contentOf(shown)).toContain(`${masked}, set by test`);

    const clear = await harness.command({ ...asAdmin, subcommand: 'clear' });
    const cleared = await waitForOriginalEdit(harness, clear, (content) => content.startsWith('🔑'));
    expect(contentOf(cleared)).toContain('Removed');
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();

    const again = await harness.command({ ...asAdmin, subcommand: 'show' });
    const none = await waitForOriginalEdit(harness, again, (content) => content.startsWith('🔑'));
    expect(contentOf(none)).toContain('No Skidio API key is set');
  });

  it('refuses key show and clear to other members', async () => {
    harness = await startDiscordHarness();
    const show = await harness.command({ group: 'key', subcommand: 'show' });
    await waitForOriginalEdit(harness, show, (content) => content.startsWith('🔒'));
    const clear = await harness.command({ group: 'key', subcommand: 'clear' });
    await waitForOriginalEdit(harness, clear, (content) => content.startsWith('🔒'));
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeDefined();
  });
});
