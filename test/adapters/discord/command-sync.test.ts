// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import { commandsMatch } from '../../../src/adapters/discord/command-sync.js';
import { registrationBody } from '../../../src/adapters/discord/register.js';
import { DEFAULT_GUILD_ID, type RecordedRequest } from '../../fakes/discord/index.js';
import { startDiscordWorld, type World } from '../../support/bot-world.js';
import { loggedSecrets } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

/** What Discord answers for a registered body: its own fields added, defaults left out, sets reordered. */
function asDiscordAnswers(body: Json): Json {
  const withoutDefaults = (option: Json): Json => {
    const { required, options, ...rest } = option;
    return {
      ...rest,
      ...(required === true ? { required } : {}),
      ...(Array.isArray(options) && options.length > 0
        ? { options: options.map((o) => withoutDefaults(o as Json)) }
        : {}),
      name_localizations: null,
      description_localizations: null,
    };
  };
  const contexts = Array.isArray(body.contexts) ? [...body.contexts].reverse() : undefined;
  return {
    ...withoutDefaults(body),
    ...(contexts ? { contexts } : {}),
    id: '9000000000000000001',
    application_id: '1000000000000000001',
    version: '9000000000000000002',
    type: 1,
    default_member_permissions: null,
    nsfw: false,
    dm_permission: true,
  };
}

const registrationRequests = (current: World) =>
  current.discord.requests.filter((request: RecordedRequest) => request.path.endsWith('/commands'));

describe('comparing the definitions with what Discord has', () => {
  const [body] = registrationBody(commands) as Json[];
  if (!body) throw new Error('no registration body');

  it('sees no difference in what Discord adds, omits as default or reorders', () => {
    expect(commandsMatch([body], [asDiscordAnswers(clone(body))])).toBe(true);
  });

  it('sees a changed description, a missing or extra command, a reordered option list', () => {
    expect(commandsMatch([body], [asDiscordAnswers({ ...clone(body), description: 'old text' })])).toBe(
      false,
    );
    expect(commandsMatch([body], [])).toBe(false);
    expect(commandsMatch([body], [asDiscordAnswers(clone(body)), { name: 'old', description: 'x' }])).toBe(
      false,
    );
    const reordered = clone(body);
    (reordered.options as unknown[]).reverse();
    expect(commandsMatch([body], [asDiscordAnswers(reordered)])).toBe(false);
    const required = clone(body);
    const status = (required.options as Json[]).find((option) => option.name === 'status');
    const privateOption = ((status?.options ?? []) as Json[]).find((option) => option.name === 'private');
    if (privateOption) privateOption.required = true;
    expect(commandsMatch([body], [asDiscordAnswers(required)])).toBe(false);
  });
});

describe('registration at start-up (DISCORD_REGISTER_ON_START, on by default)', () => {
  for (const mode of ['gateway', 'http'] as const) {
    it(`over the ${mode}: registers once, then leaves matching definitions alone across restarts`, async () => {
      world = await startDiscordWorld({ discordMode: mode, env: { DISCORD_REGISTER_ON_START: '' } });
      expect(registrationRequests(world).map((request) => request.method)).toEqual(['GET', 'PUT']);
      expect(world.log.entries().map((entry) => entry.msg)).toContain(
        'registered /skidio (DISCORD_REGISTER_ON_START)',
      );

      await world.restart();
      expect(registrationRequests(world).map((request) => request.method)).toEqual(['GET', 'PUT', 'GET']);
      expect(world.log.entries().map((entry) => entry.msg)).toContain(
        '/skidio is registered as defined already (DISCORD_REGISTER_ON_START)',
      );
    });
  }

  it('overwrites the dev guild commands when they differ from the definitions', async () => {
    world = await startDiscordWorld({
      discordMode: 'http',
      start: false,
      env: { DISCORD_REGISTER_ON_START: 'true', DISCORD_DEV_GUILD_ID: DEFAULT_GUILD_ID },
    });
    const [guildBody] = registrationBody(commands, DEFAULT_GUILD_ID) as Json[];
    world.discord.respondNext(
      {
        method: 'GET',
        path: `/applications/${world.discord.applicationId}/guilds/${DEFAULT_GUILD_ID}/commands`,
      },
      { status: 200, json: [asDiscordAnswers({ ...clone(guildBody), description: 'an older description' })] },
    );
    await world.start();
    const puts = registrationRequests(world).filter((request) => request.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(world.discord.registeredCommands.guilds[DEFAULT_GUILD_ID]).toEqual([guildBody]);
  });

  it('does not register with DISCORD_REGISTER_ON_START=false', async () => {
    world = await startDiscordWorld({ discordMode: 'http', env: { DISCORD_REGISTER_ON_START: 'false' } });
    expect(registrationRequests(world)).toEqual([]);
  });
});
