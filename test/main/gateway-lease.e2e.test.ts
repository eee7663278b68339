/**
 * Two compiled bots on one Redis, both configured for Discord's gateway: only the holder of the gateway
 * lease opens a session, so each interaction is acknowledged once; when the holder is killed, the other
 * identifies within 30 s and serves the next command. Needs the machine's Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../fakes/discord/index.js';
import { killBotProcess } from '../support/bot-process.js';
import { shouldRunRedisTests } from '../support/redis.js';
import { type InstanceWorld, startInstanceWorld, until } from './instances.js';

const runRedis = await shouldRunRedisTests();
let current: InstanceWorld | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

const acksOf = (requests: readonly RecordedRequest[], token: string) =>
  requests.filter((request) => request.method === 'POST' && request.path.includes(`/${token}/callback`));
const editsOf = (requests: readonly RecordedRequest[], token: string) =>
  requests.filter((request) => request.method === 'PATCH' && request.path.includes(token));

describe.runIf(runRedis)('the Discord gateway with several instances', () => {
  it('is held by one instance at a time and taken over within 30 s when the holder dies', {
    timeout: 120_000,
  }, async () => {
    current = await startInstanceWorld(15);
    const { world } = current;
    const instances = [await current.start(), await current.start()];
    await world.discord.waitForConnections(1, 20_000);
    expect(world.discord.connections).toBe(1);
    const holderOf = () =>
      instances.find((instance) => instance.logs.some((line) => line.msg === 'connected to Discord'));
    const holder = holderOf();
    if (!holder) throw new Error('no instance connected to Discord');

    const first = await world.discordStatus('done-gateway-1');
    await until(
      () => editsOf(world.discord.requests, first.token).some((edit) => edit.files.length > 0),
      20_000,
      'the first image',
    );
    expect(acksOf(world.discord.requests, first.token)).toHaveLength(1);

    const killedAt = Date.now();
    await killBotProcess(holder);
    const survivor = instances.find((instance) => instance !== holder);
    await until(
      () => survivor?.logs.some((line) => line.msg === 'connected to Discord') === true,
      30_000,
      'the survivor connecting to the gateway',
    );
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(world.discord.connections).toBe(1);

    const second = await world.discordStatus('done-gateway-2');
    await until(
      () => editsOf(world.discord.requests, second.token).some((edit) => edit.files.length > 0),
      20_000,
      'the second image',
    );
    expect(acksOf(world.discord.requests, second.token)).toHaveLength(1);
    expect(world.discord.gatewayStats.identifies).toBe(2);
  });
});
