/**
 * The Redis lease against the real Redis: one holder at a time, renewal keeps it, a dead holder's lease passes
 * to another instance after its ttl, a holder whose key was taken learns it lost, and release frees it at once.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/ports.js';
import { createRedisLease, type Lease } from '../../src/store/redis-lease.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';

const redisUp = await shouldRunRedisTests();
const prefix = `skidio-test-${randomUUID()}:`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(redisUp)('Redis lease', () => {
  // Made in beforeAll: a skipped suite's body still runs, and must not connect to a Redis that is not there.
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  const leases: Lease[] = [];
  let counter = 0;
  const lease = (key: string, holder: string) => {
    const made = createRedisLease(redis, {
      key,
      holder,
      ttlMs: 300,
      renewEveryMs: 100,
      logger: silentLogger,
    });
    leases.push(made);
    return made;
  };
  /** Runs `made`, counting its transitions. */
  const track = (made: Lease) => {
    const events: string[] = [];
    made.run(
      async () => void events.push('acquired'),
      async () => void events.push('lost'),
    );
    return events;
  };

  afterEach(async () => {
    await Promise.all(leases.splice(0).map((made) => made.release()));
  });
  afterAll(async () => {
    const left = await redis.keys(`${prefix}*`);
    if (left.length > 0) await redis.del(...left);
    await redis.quit();
  });

  it('is held by one instance at a time, and kept by renewal past its ttl', async () => {
    const key = `${prefix}lease${++counter}`;
    const [one, two] = [lease(key, 'one'), lease(key, 'two')];
    const [oneEvents, twoEvents] = [track(one), track(two)];
    await sleep(800); // well past the 300 ms ttl: only renewal can have kept it
    expect([one.held(), two.held()].filter(Boolean)).toHaveLength(1);
    expect([...oneEvents, ...twoEvents]).toEqual(['acquired']);
    expect(await redis.get(key)).toBe(one.held() ? 'one' : 'two');
  });

  it("passes a dead holder's lease to another instance within ttl + renew interval", async () => {
    const key = `${prefix}lease${++counter}`;
    await redis.set(key, 'dead-instance', 'PX', 300); // a holder that will never renew
    const survivor = lease(key, 'survivor');
    const events = track(survivor);
    const startedAt = Date.now();
    while (!survivor.held() && Date.now() - startedAt < 2_000) await sleep(10);
    expect(survivor.held()).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(300 + 100 + 150);
    expect(events).toEqual(['acquired']);
  });

  it('tells the holder it lost the lease when another instance has the key', async () => {
    const key = `${prefix}lease${++counter}`;
    const one = lease(key, 'one');
    const events = track(one);
    await sleep(50);
    expect(one.held()).toBe(true);
    await redis.set(key, 'usurper', 'PX', 250);
    await sleep(150);
    expect(one.held()).toBe(false);
    expect(events).toEqual(['acquired', 'lost']);
    await sleep(400); // the usurper's lease expired: the instance takes it back
    expect(one.held()).toBe(true);
    expect(events).toEqual(['acquired', 'lost', 'acquired']);
  });

  it('gives the lease up when Redis cannot be reached for longer than the ttl', async () => {
    const key = `${prefix}lease${++counter}`;
    const cut = new Redis(REDIS_URL);
    const one = createRedisLease(cut, {
      key,
      holder: 'one',
      ttlMs: 300,
      renewEveryMs: 100,
      logger: silentLogger,
    });
    const events = track(one);
    await sleep(50);
    expect(one.held()).toBe(true);
    cut.disconnect(); // every command now fails, as with Redis down
    await sleep(200);
    expect(one.held()).toBe(true); // still within the ttl: the lease may well be ours
    await sleep(300);
    expect(one.held()).toBe(false);
    expect(events).toEqual(['acquired', 'lost']);
    await one.release();
  });

  it("release frees the key at once, and never deletes another holder's key", async () => {
    const key = `${prefix}lease${++counter}`;
    const one = lease(key, 'one');
    track(one);
    await sleep(50);
    await one.release();
    expect(one.held()).toBe(false);
    expect(await redis.get(key)).toBeNull();
    const two = lease(key, 'two');
    track(two);
    await sleep(50);
    await one.release();
    expect(await redis.get(key)).toBe('two');
  });
});
