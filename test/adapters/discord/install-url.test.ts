// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, discordInstallUrl } from '../../../src/adapters/discord/install-url.js';
import { startDiscordWorld, type World } from '../../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the Discord invite link', () => {
  it('asks for the bot and slash-command scopes and exactly the channel permissions the bot uses', () => {
    // View Channel 1<<10, Send Messages 1<<11, Embed Links 1<<14, Attach Files 1<<15, Send Messages in Threads 1<<38.
    expect(BOT_PERMISSIONS).toBe((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 38n));
    expect(discordInstallUrl('1000000000000000001')).toBe(
      'https://discord.com/oauth2/authorize?client_id=1000000000000000001&scope=bot+applications.commands&permissions=274877959168',
    );
  });

  for (const mode of ['gateway', 'http'] as const) {
    it(`is known once the application id is, over the ${mode}`, async () => {
      world = await startDiscordWorld({ discordMode: mode, start: false });
      await world.start();
      expect(world.adapter('discord').installUrl()).toBe(discordInstallUrl(world.discord.applicationId));
    });
  }
});
