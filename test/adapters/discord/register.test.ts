// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REST } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../../../commands/index.js';
import {
  DEFAULT_STRING_MAX_LENGTH,
  MAX_DESCRIPTION_CHARS,
  skidioCommandJson,
} from '../../../src/adapters/discord/command-definitions.js';
import {
  createDiscordRestAgent,
  type DiscordRestAgent,
} from '../../../src/adapters/discord/discordjs-agent.js';
import {
  fetchApplicationId,
  RegistrationError,
  registerCommands,
} from '../../../src/adapters/discord/register.js';
import {
  DEFAULT_APPLICATION_ID,
  DEFAULT_GUILD_ID,
  type FakeDiscord,
  startFakeDiscord,
} from '../../fakes/discord/index.js';

const run = promisify(execFile);
const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.register-test-token';

let fake: FakeDiscord | undefined;
let agent: DiscordRestAgent | undefined;
afterEach(async () => {
  await agent?.close();
  await fake?.close();
  agent = undefined;
  fake = undefined;
});

async function restOnFake(): Promise<{ server: FakeDiscord; rest: REST }> {
  const server = await startFakeDiscord();
  fake = server;
  agent = createDiscordRestAgent();
  return { server, rest: new REST({ api: server.apiUrl, agent }).setToken(TOKEN) };
}

/** Every description in a registration body, at any depth. */
function descriptions(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(descriptions);
  if (typeof node !== 'object' || node === null) return [];
  const own = (node as { description?: unknown }).description;
  return [
    ...(typeof own === 'string' ? [own] : []),
    ...descriptions((node as { options?: unknown }).options),
  ];
}

/** Discord's choices for a list of values, each named as itself. */
const choicesOf = (values: string[]) => values.map((value) => ({ name: value, value }));

describe('/skidio registration', () => {
  it('is one command: status, imagine, help and the key group, generated from commands/', () => {
    const body = skidioCommandJson(commands);
    expect(body).toMatchObject({ name: 'skidio', contexts: [0, 1], integration_types: [0] });
    // Hidden from nobody: default_member_permissions would hide status and help too; key is checked in code.
    expect(body).not.toHaveProperty('default_member_permissions');
    expect(body).not.toHaveProperty('dm_permission');
    expect(body.options).toEqual([
      {
        type: 1,
        name: 'status',
        description: expect.any(String),
        options: [
          {
            type: 3,
            name: 'job_id',
            description: expect.any(String),
            required: true,
            max_length: DEFAULT_STRING_MAX_LENGTH,
          },
          { type: 5, name: 'private', description: expect.any(String), required: false },
        ],
      },
      {
        type: 1,
        name: 'imagine',
        description: expect.any(String),
        // Required first, as Discord requires; models and sizes as choices, numbers with their bounds.
        options: [
          { type: 3, name: 'prompt', description: expect.any(String), required: true, max_length: 1500 },
          {
            type: 3,
            name: 'model',
            description: expect.any(String),
            required: false,
            choices: choicesOf(['flux-schnell', 'flux-dev', 'sd3', 'sdxl', 'sdxl-turbo', 'sd1.5']),
          },
          {
            type: 3,
            name: 'size',
            description: expect.any(String),
            required: false,
            choices: choicesOf([
              '1024x1024',
              '512x512',
              '768x768',
              '1024x768',
              '768x1024',
              '1344x768',
              '768x1344',
            ]),
          },
          {
            type: 4,
            name: 'count',
            description: expect.any(String),
            required: false,
            min_value: 1,
            max_value: 4,
          },
          { type: 3, name: 'negative', description: expect.any(String), required: false, max_length: 1000 },
          {
            type: 4,
            name: 'seed',
            description: expect.any(String),
            required: false,
            min_value: 0,
            max_value: 4294967295,
          },
          {
            type: 4,
            name: 'steps',
            description: expect.any(String),
            required: false,
            min_value: 1,
            max_value: 100,
          },
          { type: 5, name: 'private', description: expect.any(String), required: false },
        ],
      },
      {
        type: 2,
        name: 'key',
        description: expect.stringContaining('Manage Server'),
        options: [
          // The key itself is asked in a form, never as a slash option.
          { type: 1, name: 'set', description: expect.any(String) },
          { type: 1, name: 'show', description: expect.any(String) },
          { type: 1, name: 'clear', description: expect.any(String) },
        ],
      },
      { type: 1, name: 'help', description: expect.any(String) },
    ]);
    for (const description of descriptions(body)) {
      expect(description.length).toBeGreaterThan(10);
      expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
    }
  });

  it('overwrites the global commands', async () => {
    const { server, rest } = await restOnFake();
    const result = await registerCommands(rest, { applicationId: DEFAULT_APPLICATION_ID, commands });
    expect(result).toEqual({ scope: 'global', commandNames: ['skidio'] });
    expect(server.registeredCommands.global).toEqual([skidioCommandJson(commands)]);
    const put = server.requests.find((request) => request.method === 'PUT');
    expect(put?.path).toBe(`/applications/${DEFAULT_APPLICATION_ID}/commands`);
  });

  it('overwrites one dev guild’s commands, without the global-only fields', async () => {
    const { server, rest } = await restOnFake();
    await registerCommands(rest, {
      applicationId: DEFAULT_APPLICATION_ID,
      guildId: DEFAULT_GUILD_ID,
      commands,
    });
    const [registered] = server.registeredCommands.guilds[DEFAULT_GUILD_ID] ?? [];
    expect(registered).toMatchObject({ name: 'skidio' });
    expect(registered).not.toHaveProperty('contexts');
    expect(registered).not.toHaveProperty('integration_types');
  });

  it('names the variable to fix when Discord refuses', async () => {
    const { rest } = await restOnFake();
    const failure = await registerCommands(rest, {
      applicationId: DEFAULT_APPLICATION_ID,
      guildId: '2999999999999999999',
      commands,
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistrationError);
    expect((failure as Error).message).toContain('DISCORD_DEV_GUILD_ID');
  });

  it('`npm run register` registers for the token’s application and exits 0', async () => {
    const server = await startFakeDiscord();
    fake = server;
    const env = { PATH: process.env.PATH ?? '', DISCORD_TOKEN: TOKEN, DISCORD_API_URL: server.apiUrl };
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/adapters/discord/register-cli.ts'],
      {
        env: { ...env, DISCORD_DEV_GUILD_ID: DEFAULT_GUILD_ID },
      },
    );
    expect(stdout).toContain(`Registered /skidio in server ${DEFAULT_GUILD_ID}`);
    expect(server.registeredCommands.guilds[DEFAULT_GUILD_ID]).toHaveLength(1);
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /applications/@me',
      `PUT /applications/${DEFAULT_APPLICATION_ID}/guilds/${DEFAULT_GUILD_ID}/commands`,
    ]);
  });

  it('says Discord refused DISCORD_TOKEN when the token is wrong', async () => {
    const { server, rest } = await restOnFake();
    server.respondNext(
      { path: '/applications/@me' },
      { status: 401, json: { message: '401: Unauthorized', code: 0 } },
    );
    const failure = await fetchApplicationId(rest).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistrationError);
    expect((failure as Error).message).toMatch(/^Discord refused DISCORD_TOKEN/);
  });
});
