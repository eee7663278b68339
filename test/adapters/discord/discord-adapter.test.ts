// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { skidioCommandJson } from '../../../src/adapters/discord/command-definitions.js';
import { DEFAULT_GUILD_ID, DEFAULT_USER } from '../../fakes/discord/index.js';
import { storedWatches } from '../../support/stored-watches.js';
import {
  BOT_TOKEN,
  type DiscordHarness,
  jobIdOption,
  loggedSecrets,
  startDiscordHarness,
} from './discord-harness.js';

let harness: DiscordHarness | undefined;
afterEach(async () => {
  if (harness) expect(loggedSecrets(harness)).toEqual([]);
  await harness?.close();
  harness = undefined;
});

describe('Discord adapter lifecycle', () => {
  it('logs in through DISCORD_API_URL with the bot token, on the gateway the API announces', async () => {
    harness = await startDiscordHarness();
    expect(harness.adapter.name).toBe('discord');
    expect(harness.adapter.routes).toEqual([]);
    expect(harness.adapter.isReady()).toBe(true);
    expect(harness.fake.connections).toBe(1);
    expect(harness.fake.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });
    expect(harness.fake.requests[0]?.headers.authorization).toBe('Bot [redacted]');
    expect(harness.fake.registeredCommands).toEqual({ global: null, guilds: {} });
    const connected = harness.stack.log.entries().find((entry) => entry.msg === 'connected to Discord');
    expect(connected).toMatchObject({ adapter: 'discord', servers: 1 });

    await harness.adapter.stop();
    expect(harness.adapter.isReady()).toBe(false);
  });

  it('rejects start() with one clear error when Discord refuses the token, and no unhandled rejection', async () => {
    harness = await startDiscordHarness({ start: false });
    harness.fake.respondNext(
      { method: 'GET', path: '/gateway/bot' },
      { status: 401, json: { message: '401: Unauthorized', code: 0 } },
    );
    const failure = await harness.adapter.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^Discord refused DISCORD_TOKEN/);
    expect((failure as Error).message).not.toContain(BOT_TOKEN);
    expect(harness.adapter.isReady()).toBe(false);
    expect(harness.fake.connections).toBe(0);
  });

  it('registers /skidio in the dev guild at start-up with DISCORD_REGISTER_ON_START', async () => {
    harness = await startDiscordHarness({
      env: { DISCORD_REGISTER_ON_START: 'true', DISCORD_DEV_GUILD_ID: DEFAULT_GUILD_ID },
    });
    const { contexts: _contexts, integration_types: _types, ...guildCommand } = skidioCommandJson(commands);
    expect(harness.fake.registeredCommands.guilds[DEFAULT_GUILD_ID]).toEqual([guildCommand]);
    expect(harness.fake.registeredCommands.global).toBeNull();
  });

  it('registers /skidio globally at start-up when no dev guild is set', async () => {
    harness = await startDiscordHarness({ env: { DISCORD_REGISTER_ON_START: 'true' } });
    expect(harness.fake.registeredCommands.global).toEqual([skidioCommandJson(commands)]);
  });

  it('keeps running, and says why, when registration at start-up fails', async () => {
    harness = await startDiscordHarness({
      start: false,
      env: { DISCORD_REGISTER_ON_START: 'true', DISCORD_DEV_GUILD_ID: '2999999999999999999' },
    });
    await harness.adapter.start();
    expect(harness.adapter.isReady()).toBe(true);
    const error = harness.stack.log
      .entries()
      .find((entry) => entry.msg === 'could not register /skidio at start-up');
    expect(String(error?.reason)).toContain('DISCORD_DEV_GUILD_ID');
  });

  it('stops with a watch in flight without an unhandled rejection; the watch stays stored', async () => {
    harness = await startDiscordHarness({ simulator: { queueMs: 60_000 } });
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('never-s')] });
    await harness.fake.waitForRequest(
      (request) => request.path.includes(payload.token) && request.method === 'PATCH',
    );
    await harness.adapter.stop();
    await harness.stack.services.watcher.stop();
    expect(harness.stack.services.watcher.activeCount()).toBe(0);
    const stored = await storedWatches(harness.stack.services.store);
    expect(stored.map((watch) => watch.jobId)).toEqual(['never-s']);
    const address = stored[0]?.askers[0]?.address;
    expect(address).toMatchObject({ platform: 'discord', requesterId: DEFAULT_USER.id });
    // The interaction token is a credential for 15 minutes: stored sealed, never as it is.
    expect(JSON.stringify(address)).not.toContain(payload.token);
    expect(address).toHaveProperty('sealedToken');
  });
});
