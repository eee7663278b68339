/**
 * Discord over HTTP with several instances: two compiled bots on one Redis, both with `DISCORD_PUBLIC_KEY`.
 * Neither opens a gateway session, and each answers the interactions sent to it (as a load balancer would
 * spread them), so no instance stands by. Needs the machine's Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../fakes/discord/index.js';
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
});
