// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FORM_ID, KEY_INPUT_ID } from '../../../src/adapters/discord/key-form.js';
import { UNREADABLE_INTERACTION_TEXT } from '../../../src/adapters/discord/texts.js';
import {
  createInteractionKeys,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  MANAGE_GUILD,
  modalSubmit,
  postSignedInteraction,
  signatureHeaders,
  slashCommand,
} from '../../fakes/discord/index.js';
import {
  DISCORD_TOKEN,
  isCallbackOf,
  startDiscordWorld,
  TEST_API_KEY,
  type World,
  type WorldOptions,
} from '../../support/bot-world.js';
import {
  contentOf,
  jobIdOption,
  loggedSecrets,
  USER_MENTION,
  waitForOriginalEdit,
} from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

const overHttp = (options: WorldOptions = {}) => startDiscordWorld({ discordMode: 'http', ...options });
const admin = { id: '4000000000000000002', username: 'admin' };
const statusCommand = (jobId: string) =>
  slashCommand({
    guildId: DEFAULT_GUILD_ID,
    channelId: DEFAULT_CHANNEL_ID,
    subcommand: 'status',
    options: [jobIdOption(jobId)],
  });

describe('Discord interactions over HTTP (DISCORD_PUBLIC_KEY)', () => {
  it('starts without a gateway session: reads the application id, answers PING with PONG, never identifies', async () => {
    world = await overHttp();
    const adapter = world.adapter('discord');
    expect(adapter.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'POST /discord/interactions',
    ]);
    expect(adapter.isReady()).toBe(true);
    expect(world.discord.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /applications/@me',
    ]);
    expect(world.discord.requests[0]?.headers.authorization).toBe('Bot [redacted]');

    const pong = await postSignedInteraction(
      world.discordInteractionsUrl,
      world.discord.interactionKeys,
      JSON.stringify({
        id: '1',
        type: 1,
        application_id: world.discord.applicationId,
        token: 't',
        version: 1,
      }),
    );
    expect(pong).toMatchObject({ status: 200, json: { type: 1 } });
    expect(adapter.installUrl()).toContain(`client_id=${world.discord.applicationId}`);
    expect(world.discord.gatewayStats.identifies).toBe(0);
    expect(world.discord.connections).toBe(0);
    expect((await world.readyChecks())?.discord).toBe(true);

    await adapter.stop();
    expect(adapter.isReady()).toBe(false);
  });

  it('refuses missing, forged and stale signatures with 401, and nothing runs', async () => {
    world = await overHttp();
    const url = world.discordInteractionsUrl;
    const keys = world.discord.interactionKeys;
    const now = Math.floor(Date.now() / 1000);
    const attempts = [
      { headers: { 'x-signature-ed25519': undefined } },
      { headers: { 'x-signature-timestamp': undefined } },
      { keys: createInteractionKeys() },
      { headers: { 'x-signature-ed25519': 'ab'.repeat(64) } },
      { timestamp: now - 6 * 60 },
      { timestamp: now + 6 * 60 },
    ];
    const before = world.discord.requests.length;
    for (const signing of attempts) {
      const payload = statusCommand('done-1');
      world.discordTokens.push(payload.token);
      const answer = await postSignedInteraction(url, keys, JSON.stringify(payload), signing);
      expect(answer.status, JSON.stringify(signing.headers ?? signing.timestamp ?? 'forged')).toBe(401);
    }
    // A body changed after signing is refused too.
    const signed = statusCommand('done-1');
    const tampered = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders(keys, JSON.stringify(signed), now),
      },
      body: JSON.stringify({ ...signed, data: { ...signed.data, name: 'other' } }),
    });
    expect(tampered.status).toBe(401);
    // Still a moment for anything that would have started to show.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.discord.requests.length).toBe(before);
    expect(world.simulator.requests).toEqual([]);
  });

  it('runs /skidio status: the deferral is the HTTP answer, then the reply is edited with the image', async () => {
    world = await overHttp();
    const payload = statusCommand('done-1');
    await world.discordSend(payload);

    const [first] = world.discord.httpAnswers;
    expect(first?.answer).toMatchObject({ status: 200, json: { type: 5 } });
    const deferral = first?.answer.json as { data?: { flags?: number } } | undefined;
    expect((deferral?.data?.flags ?? 0) & 64).toBe(0);
    // The acknowledgement never went over REST.
    expect(world.discord.requests.filter(isCallbackOf(payload))).toEqual([]);

    const result = await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    const expected = await world.simulator.imageBytes('done-1', 0);
    expect(result.files[0]?.bytes.equals(expected)).toBe(true);
    expect(contentOf(result)).toContain(USER_MENTION);
    expect(world.discord.gatewayStats.identifies).toBe(0);
    const ack = (
      await (await fetch(world.discordInteractionsUrl.replace('/discord/interactions', '/metrics'))).text()
    )
      .split('\n')
      .find((line) => line.startsWith('skidio_ack_latency_seconds_count') && line.includes('discord'));
    expect(ack).toMatch(/ 1$/);
  });

  it('opens the key form as the HTTP answer, and takes the submitted form over HTTP', async () => {
    world = await overHttp({ keys: {} });
    const command = slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      group: 'key',
      subcommand: 'set',
      user: admin,
      permissions: MANAGE_GUILD,
    });
    await world.discordSend(command);
    expect(world.discord.httpAnswers[0]?.answer.json).toMatchObject({
      type: 9,
      data: { custom_id: KEY_FORM_ID },
    });

    const submission = modalSubmit({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      user: admin,
      permissions: MANAGE_GUILD,
      customId: KEY_FORM_ID,
      fields: [{ customId: KEY_INPUT_ID, value: TEST_API_KEY }],
    });
    world.log.secrets.add(TEST_API_KEY);
    await world.discordSend(submission);
    expect(world.discord.httpAnswers[1]?.answer.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const answer = await waitForOriginalEdit(world, submission, (content) => content.includes('Saved'));
    expect(contentOf(answer)).toContain(`••••${TEST_API_KEY.slice(-4)}`);
    expect(world.discord.requests.some((request) => request.path.includes('/callback'))).toBe(false);
  });

  it('answers an interaction discord.js cannot read privately, in the HTTP answer', async () => {
    world = await overHttp();
    const { data: _data, ...payload } = statusCommand('done-1');
    world.discordTokens.push(payload.token);
    const answer = await world.discord.sendInteractionOverHttp(world.discordInteractionsUrl, payload);
    expect(answer).toMatchObject({
      status: 200,
      json: { type: 4, data: { content: UNREADABLE_INTERACTION_TEXT, flags: 64 } },
    });
    expect(
      world.log.entries().some((entry) => entry.msg === 'an interaction payload discord.js cannot read'),
    ).toBe(true);
  });

  it('refuses a body over 1 MiB with 413, and a signed body that is not JSON with 400 and a log line', async () => {
    world = await overHttp();
    const keys = world.discord.interactionKeys;
    const big = await postSignedInteraction(world.discordInteractionsUrl, keys, 'x'.repeat(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    const notJson = await postSignedInteraction(world.discordInteractionsUrl, keys, '{"type":2,');
    expect(notJson.status).toBe(400);
    expect(world.log.entries().map((entry) => entry.msg)).toContain(
      'a signed Discord interaction request whose body is not a JSON object',
    );
  });

  it('fails to start with an error naming DISCORD_TOKEN when Discord refuses it', async () => {
    world = await overHttp({ start: false });
    world.discord.respondNext(
      { method: 'GET', path: '/applications/@me' },
      { status: 401, json: { message: '401: Unauthorized', code: 0 } },
    );
    const failure = await world.start().catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/^Discord refused DISCORD_TOKEN/);
    expect((failure as Error).message).not.toContain(DISCORD_TOKEN);
  });

  it('warns at start-up when DISCORD_PUBLIC_KEY is not the key of the application the token belongs to', async () => {
    world = await overHttp({ env: { DISCORD_PUBLIC_KEY: 'ab'.repeat(32) } });
    expect(
      world.log.entries().some((entry) => /DISCORD_PUBLIC_KEY is not the public key/.test(String(entry.msg))),
    ).toBe(true);
    // Discord signs with the application's key: every request then fails the check.
    const answer = await world.discord.sendInteractionOverHttp(world.discordInteractionsUrl, {
      id: '1',
      token: 't',
      type: 1,
    } as Parameters<typeof world.discord.sendInteractionOverHttp>[1]);
    expect(answer.status).toBe(401);
  });
});
