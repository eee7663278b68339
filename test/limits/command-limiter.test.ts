import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TooManyCommandsError } from '../../src/core/errors.js';
import { errorText } from '../../src/core/messages.js';
import { createCommandLimiter } from '../../src/limits/command-limiter.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';

async function refusal(work: Promise<void>): Promise<TooManyCommandsError | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof TooManyCommandsError) return error;
    throw error;
  }
}

describe('command limiter', () => {
  it('lets a person send their share per minute, then says when to retry', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 3, perWorkspacePerMinute: 0 });
    for (let i = 0; i < 3; i++) await limiter.consume('discord:1', 'U1');
    const refused = await refusal(limiter.consume('discord:1', 'U1'));
    expect(refused?.scope).toBe('user');
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(errorText(refused as TooManyCommandsError)).toMatch(
      /^🐢 You're sending commands faster than I take them\. Try again in \d+ s\.$/,
    );
    // Someone else, and the same person in another workspace, are not affected.
    await limiter.consume('discord:1', 'U2');
    await limiter.consume('discord:2', 'U1');
  });

  it('caps a workspace as a whole', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 0, perWorkspacePerMinute: 5 });
    for (let i = 0; i < 5; i++) await limiter.consume('slack:T1', `U${i}`);
    expect((await refusal(limiter.consume('slack:T1', 'U9')))?.scope).toBe('workspace');
    await limiter.consume('slack:T2', 'U9');
  });

  it('is off when both limits are 0', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 0, perWorkspacePerMinute: 0 });
    for (let i = 0; i < 500; i++) await limiter.consume('w', 'u');
  });
});

const redisUp = await shouldRunRedisTests();

describe.runIf(redisUp)('command limiter on Redis', () => {
  const prefix = `skidio-test-${randomUUID()}:`;
  // Made in beforeAll: a skipped suite's body still runs, and must not connect to a Redis that is not there.
  let clients: Redis[] = [];
  beforeAll(() => {
    clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  });
  afterAll(async () => {
    const [first] = clients;
    const left = (await first?.keys(`${prefix}*`)) ?? [];
    if (left.length > 0) await first?.del(...left);
    await Promise.all(clients.map((client) => client.quit()));
  });

  it('shares one budget between instances, per person and per workspace', async () => {
    const limits = { perUserPerMinute: 3, perWorkspacePerMinute: 5 };
    const [one, two] = clients.map((redis) => createCommandLimiter(limits, { redis, prefix }));
    if (!one || !two) throw new Error('two limiters expected');
    await one.consume('discord:1', 'U1');
    await two.consume('discord:1', 'U1');
    await one.consume('discord:1', 'U1');
    const refused = await refusal(two.consume('discord:1', 'U1'));
    expect(refused?.scope).toBe('user');
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(60_000);
    // The workspace has used 3 of its 5 (a refused person is not charged to it): two more, on either instance.
    await two.consume('discord:1', 'U2');
    await one.consume('discord:1', 'U3');
    expect((await refusal(two.consume('discord:1', 'U4')))?.scope).toBe('workspace');
    // Other workspaces are not affected, and the counts are in Redis under the prefix.
    await one.consume('discord:2', 'U1');
    expect((await clients[0]?.keys(`${prefix}*`))?.length).toBeGreaterThan(0);
  });
});
