/**
 * One behaviour for both stores of learned job durations: the key/value store (SQLite in production, memory
 * here) and Redis (several instances). Bounded to the newest jobs per key, keys kept apart, and an expiry.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createStoredJobDurations,
  type JobDurations,
  RECENT_DURATIONS,
} from '../../src/core/watcher/job-durations.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createRedisJobDurations } from '../../src/store/redis-job-durations.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';

const redisUp = await shouldRunRedisTests();
const prefix = `skidio-test-${randomUUID()}:`;
let redis: Redis | undefined;

const stores: { name: string; runs: boolean; make(): JobDurations }[] = [
  { name: 'key/value store', runs: true, make: () => createStoredJobDurations(createMemoryStore()) },
  {
    name: 'redis',
    runs: redisUp,
    make: () => {
      if (!redis) throw new Error('redis is not connected');
      return createRedisJobDurations(redis, { prefix: `${prefix}${randomUUID()}:` });
    },
  },
];

beforeAll(() => {
  if (redisUp) redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  if (!redis) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe.each(stores)('learned job durations on $name', (store) => {
  it.runIf(store.runs)('keeps the newest 64 per workspace and model, newest first', async () => {
    const durations = store.make();
    for (let n = 0; n < RECENT_DURATIONS + 10; n++) await durations.add({ workspace: 'w', model: 'sdxl' }, n);
    const recent = await durations.recent({ workspace: 'w', model: 'sdxl' });
    expect(recent).toHaveLength(RECENT_DURATIONS);
    expect(recent[0]).toBe(RECENT_DURATIONS + 9);
    expect(recent.at(-1)).toBe(10);
  });

  it.runIf(store.runs)('keeps workspaces and models apart', async () => {
    const durations = store.make();
    await durations.add({ workspace: 'w', model: 'sdxl' }, 9_000);
    await durations.add({ workspace: 'w' }, 4_000.4);
    expect(await durations.recent({ workspace: 'w' })).toEqual([4_000]);
    expect(await durations.recent({ workspace: 'w', model: 'sd3' })).toEqual([]);
    expect(await durations.recent({ workspace: 'other', model: 'sdxl' })).toEqual([]);
  });
});

describe.runIf(redisUp)('learned job durations on redis, expiry', () => {
  it('gives each key a fresh expiry of about 30 days on every job', async () => {
    if (!redis) throw new Error('redis is not connected');
    const own = `${prefix}ttl:`;
    await createRedisJobDurations(redis, { prefix: own }).add({ workspace: 'w' }, 1_000);
    const [key] = await redis.keys(`${own}durations:*`);
    expect(await redis.pttl(key ?? '')).toBeGreaterThan(29 * 24 * 3_600_000);
  });
});
