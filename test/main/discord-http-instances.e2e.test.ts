/**
 * Discord over HTTP with several instances: two compiled bots on one Redis, both with `DISCORD_PUBLIC_KEY`.
 * Neither opens a gateway session, and each answers the interactions sent to it (as a load balancer would
 * spread them), so no instance stands by. Needs the machine's Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buttonClick,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeMessage,
  type InteractionPayload,
  slashCommand,
} from '../fakes/discord/index.js';
import { shouldRunRedisTests } from '../support/redis.js';
import { type InstanceWorld, startInstanceWorld, until } from './instances.js';

const runRedis = await shouldRunRedisTests();
let current: InstanceWorld | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe.runIf(runRedis)('Discord over HTTP with several instances', () => {
  it('lets every instance take interactions, with no gateway session anywhere', {
    timeout: 120_000,
  }, async () => {
    current = await startInstanceWorld(9);
    const { world } = current;
    const env = { DISCORD_PUBLIC_KEY: world.discord.publicKey };
    const instances = [await current.start(env), await current.start(env)];

    const payloads = instances.flatMap((instance, index) =>
      [0, 1].map((turn) => ({
        instance,
        payload: slashCommand({
          guildId: DEFAULT_GUILD_ID,
          channelId: DEFAULT_CHANNEL_ID,
          user: { id: String(700_000 + index * 10 + turn), username: `person${index}${turn}` },
          subcommand: 'status',
          options: [{ name: 'job_id', type: 3, value: `done-http-${index}-${turn}` }],
        }),
      })),
    );
    const answers = await Promise.all(
      payloads.map(({ instance, payload }) =>
        world.discord.sendInteractionOverHttp(
          `http://127.0.0.1:${instance.port}/discord/interactions`,
          payload,
        ),
      ),
    );
    // Each instance deferred the commands sent to it, in its HTTP answer.
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((answer) => (answer.json as { type?: number } | undefined)?.type)).toEqual([
      5, 5, 5, 5,
    ]);

    const imagePosted = (token: string) =>
      world.discord.requests.some(
        (request) => request.method === 'PATCH' && request.path.includes(token) && request.files.length > 0,
      );
    await until(
      () => payloads.every(({ payload }) => imagePosted(payload.token)),
      30_000,
      'an image for each of the four commands',
    );
    // No callback went over REST (the answers were the acks), and no instance opened the gateway.
    expect(world.discord.requests.filter((request) => request.path.endsWith('/callback'))).toEqual([]);
    expect(world.discord.gatewayStats.identifies).toBe(0);
    expect(world.discord.connections).toBe(0);
  });

  it('keeps a result’s buttons working on the other instance: Details, Share, Again and Delete', {
    timeout: 120_000,
  }, async () => {
    current = await startInstanceWorld(9);
    const { world } = current;
    const env = { DISCORD_PUBLIC_KEY: world.discord.publicKey };
    const [first, second] = [await current.start(env), await current.start(env)];
    const url = (port: number) => `http://127.0.0.1:${port}/discord/interactions`;
    const send = async (port: number, payload: InteractionPayload) => {
      const answer = await world.discord.sendInteractionOverHttp(url(port), payload);
      expect(answer.status).toBe(200);
      return payload;
    };
    const patchesOf = (payload: InteractionPayload) =>
      world.discord.requests.filter(
        (request) =>
          request.method === 'PATCH' && request.path.includes(payload.token) && request.status < 300,
      );
    const contentOf = (request: { json?: unknown }) =>
      String((request.json as { content?: unknown }).content ?? '');

    const imagine = await send(
      first.port,
      slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'imagine',
        options: [
          { name: 'prompt', type: 3, value: 'two instances, one fox' },
          { name: 'seed', type: 4, value: 11 },
          { name: 'private', type: 5, value: true },
        ],
      }),
    );
    let message: FakeMessage | undefined;
    await until(
      () => {
        message = world.discord
          .channelMessages(DEFAULT_CHANNEL_ID)
          .find(
            (candidate) =>
              (candidate.interaction_metadata as { id?: string } | undefined)?.id === imagine.id &&
              candidate.components.length > 0,
          );
        return message !== undefined;
      },
      30_000,
      'the imagine result with its buttons',
    );
    const rows = (message?.components ?? []) as { components: { label: string; custom_id: string }[] }[];
    const buttons = rows[0]?.components;
    const clickOn = (label: string) =>
      buttonClick({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        customId: buttons?.find((button) => button.label === label)?.custom_id ?? 'missing',
        message: message as unknown as Record<string, unknown>,
      });

    // Details and Share on the instance that did not post the result: the record is in Redis.
    const details = await send(second.port, clickOn('Details'));
    await until(
      () => patchesOf(details).some((r) => contentOf(r).includes('Seed: 11')),
      20_000,
      'the details',
    );
    const share = await send(second.port, clickOn('Share'));
    await until(() => patchesOf(share).some((r) => r.files.length === 1), 20_000, 'the shared image');
    expect(contentOf(patchesOf(share).at(-1) ?? {})).toMatch(/shared their result/);

    const again = await send(second.port, clickOn('Again'));
    await until(() => patchesOf(again).some((r) => r.files.length === 1), 30_000, 'the image made again');
    const seeds = world.simulator.requests
      .filter((request) => request.path.endsWith('/txt2img/async'))
      .map((request) => (request.body as { seed?: number }).seed);
    expect(seeds).toHaveLength(2);
    expect(seeds[0]).toBe(11);
    expect(seeds[1]).not.toBe(11);

    await send(first.port, clickOn('Delete'));
    await until(
      () =>
        !world.discord.channelMessages(DEFAULT_CHANNEL_ID).some((candidate) => candidate.id === message?.id),
      20_000,
      'the result message deleted',
    );
  });
});
