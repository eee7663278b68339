// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { skidioCommandJson } from '../../../src/adapters/discord/command-definitions.js';
import { DEFAULT_GUILD_ID, DEFAULT_USER } from '../../fakes/discord/index.js';
import { DISCORD_TOKEN, startDiscordWorld, type World } from '../../support/bot-world.js';
import { storedWatches } from '../../support/stored-watches.js';
import { jobIdOption, loggedSecrets } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

describe('Discord adapter lifecycle', () => {
  it('logs in through DISCORD_API_URL with the bot token, on the gateway the API announces', async () => {
    world = await startDiscordWorld();
    expect(world.adapter('discord').name).toBe('discord');
    expect(world.adapter('discord').routes).toEqual([]);
    expect(world.adapter('discord').isReady()).toBe(true);
    expect(world.discord.connections).toBe(1);
    expect(world.discord.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });
    expect(world.discord.requests[0]?.headers.authorization).toBe('Bot [redacted]');
    expect(world.discord.registeredCommands).toEqual({ global: null, guilds: {} });
    const connected = world.log.entries().find((entry) => entry.msg === 'connected to Discord');
    expect(connected).toMatchObject({ adapter: 'discord', servers: 1 });

    await world.adapter('discord').stop();
    expect(world.adapter('discord').isReady()).toBe(false);
  });

  it('rejects start() with one clear error when Discord refuses the token, and no unhandled rejection', async () => {
    world = await startDiscordWorld({ start: false });
    world.discord.respondNext(
      { method: 'GET', path: '/gateway/bot' },
      { status: 401, json: { message: '401: Unauthorized', code: 0 } },
    );
    const failure = await world.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^Discord refused DISCORD_TOKEN/);
    expect((failure as Error).message).not.toContain(DISCORD_TOKEN);
    // startBot rejected with the adapter's error: nothing is left answering, let alone ready.
    expect(await world.readyChecks()).toBeUndefined();
    expect(world.discord.connections).toBe(0);
  });

  it('registers /skidio in the dev guild at start-up with DISCORD_REGISTER_ON_START', async () => {
    world = await startDiscordWorld({
      env: { DISCORD_REGISTER_ON_START: 'true', DISCORD_DEV_GUILD_ID: DEFAULT_GUILD_ID },
    });
    const { contexts: _contexts, integration_types: _types, ...guildCommand } = skidioCommandJson(commands);
    expect(world.discord.registeredCommands.guilds[DEFAULT_GUILD_ID]).toEqual([guildCommand]);
    expect(world.discord.registeredCommands.global).toBeNull();
  });

  it('registers /skidio globally at start-up when no dev guild is set', async () => {
    world = await startDiscordWorld({ env: { DISCORD_REGISTER_ON_START: 'true' } });
    expect(world.discord.registeredCommands.global).toEqual([skidioCommandJson(commands)]);
  });

  it('keeps running, and says why, when registration at start-up fails', async () => {
    world = await startDiscordWorld({
      env: { DISCORD_REGISTER_ON_START: 'true', DISCORD_DEV_GUILD_ID: '2999999999999999999' },
    });
    expect(world.adapter('discord').isReady()).toBe(true);
    const error = world.log.entries().find((entry) => entry.msg === 'could not register /skidio at start-up');
    expect(String(error?.reason)).toContain('DISCORD_DEV_GUILD_ID');
  });

  it('stops with a watch in flight without an unhandled rejection; the watch stays stored', async () => {
    world = await startDiscordWorld({ simulator: { queueMs: 60_000 } });
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('never-s')] });
    await world.discord.waitForRequest(
      (request) => request.path.includes(payload.token) && request.method === 'PATCH',
    );
    await world.adapter('discord').stop();
    await world.services.watcher.stop();
    expect(world.services.watcher.activeCount()).toBe(0);
    const stored = await storedWatches(world.services.store);
    expect(stored.map((watch) => watch.jobId)).toEqual(['never-s']);
    const address = stored[0]?.askers[0]?.address;
    expect(address).toMatchObject({ platform: 'discord', requesterId: DEFAULT_USER.id });
    // The interaction token is a credential for 15 minutes: stored sealed, never as it is.
    expect(JSON.stringify(address)).not.toContain(payload.token);
    expect(address).toHaveProperty('sealedToken');
  });
});
