/**
 * One behaviour suite for the `WatchState` port, run against both implementations: the in-process one on a
 * key/value store and the Redis one shared by every instance. Redis runs use a fresh key prefix and two clients
 * (two "instances"), so the race cases really interleave commands from separate connections.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryWatchState } from '../../src/core/watcher/memory-watch-state.js';
import type { StoredAsker, WatchKey } from '../../src/core/watcher/types.js';
import type { WatchState } from '../../src/core/watcher/watch-state.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createRedisWatchState } from '../../src/store/redis-watch-state.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';

/** Two views of one shared state (the same object twice when the state lives in one process). */
interface Subject {
  a: WatchState;
  b: WatchState;
  /** Keys the implementation left behind, if it can tell (Redis); for "nothing stored" checks. */
  storedKeys?: () => Promise<string[]>;
  dispose(): Promise<void>;
}

interface Traits {
  /** Claims expire after their ttl (the in-process state keeps them for the life of the process). */
  claimsExpire: boolean;
}

const wide = { perWorkspace: 1_000, total: 1_000 };
const asker = (id: string): StoredAsker => ({
  id,
  platform: 'discord',
  requesterId: `U-${id}`,
  mention: `<@${id}>`,
  joinedAt: 1,
  address: { channel: 'C1' },
});
let keyCounter = 0;
const freshKey = (workspace = 'discord:1'): WatchKey => ({ workspace, jobId: `job-${++keyCounter}` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The suite: `make` builds a fresh, empty shared state per test. */
export function describeWatchState(name: string, make: () => Promise<Subject>, traits: Traits): void {
  describe(`WatchState: ${name}`, () => {
    const subjects: Subject[] = [];
    const subject = async () => {
      const made = await make();
      subjects.push(made);
      return made;
    };
    afterAll(async () => {
      for (const made of subjects) await made.dispose();
    });

    it('starts a watch for the first person and joins the next one to it', async () => {
      const { a, b } = await subject();
      const key = freshKey();
      const first = await a.join(key, asker('p1'), wide, 1_000);
      expect(first).toEqual({ kind: 'started', watch: { ...key, startedAt: 1_000, generation: 1 } });
      await a.setLastStatus(key, { state: 'running' });
      const second = await b.join(key, asker('p2'), wide, 2_000);
      expect(second).toEqual({
        kind: 'joined',
        watch: { ...key, startedAt: 1_000, generation: 1 },
        lastStatus: { state: 'running' },
      });
      expect((await a.askers(key)).map((x) => x.id).sort()).toEqual(['p1', 'p2']);
      expect(await b.get(key)).toEqual({ ...key, startedAt: 1_000, generation: 1 });
      expect(await b.list()).toEqual([{ ...key, startedAt: 1_000, generation: 1 }]);
    });

    it('refuses a new watch past the per-workspace and total caps, storing nothing', async () => {
      const { a, b, storedKeys } = await subject();
      const caps = { perWorkspace: 2, total: 3 };
      await a.join(freshKey('w1'), asker('1'), caps, 1);
      await b.join(freshKey('w1'), asker('2'), caps, 1);
      const before = await storedKeys?.();
      const refused = freshKey('w1');
      expect(await a.join(refused, asker('3'), caps, 1)).toEqual({
        kind: 'full',
        scope: 'workspace',
        limit: 2,
      });
      expect(await a.get(refused)).toBeUndefined();
      expect(await a.askers(refused)).toEqual([]);
      await b.join(freshKey('w2'), asker('4'), caps, 1);
      const overTotal = freshKey('w3');
      expect(await b.join(overTotal, asker('5'), caps, 1)).toEqual({ kind: 'full', scope: 'bot', limit: 3 });
      expect(await b.askers(overTotal)).toEqual([]);
      expect(await a.list()).toHaveLength(3);
      if (storedKeys) expect((await storedKeys()).length).toBe((before?.length ?? 0) + 3); // w2's watch only
    });

    it('never lets concurrent starts pass a cap', async () => {
      const { a, b } = await subject();
      const caps = { perWorkspace: 5, total: 100 };
      const outcomes = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).join(freshKey('busy'), asker(`p${i}`), caps, 1)),
      );
      expect(outcomes.filter((outcome) => outcome.kind === 'started')).toHaveLength(5);
      expect(outcomes.filter((outcome) => outcome.kind === 'full')).toHaveLength(35);
    });

    it('ends a watch only when nobody waits, and frees its place under the caps', async () => {
      const { a, b } = await subject();
      const caps = { perWorkspace: 1, total: 1 };
      const key = freshKey('solo');
      await a.join(key, asker('p1'), caps, 1);
      expect(await b.endIfEmpty(key)).toBe(false);
      await b.finish(key, 'p1');
      expect(await a.askers(key)).toEqual([]);
      expect(await b.endIfEmpty(key)).toBe(true);
      expect(await a.get(key)).toBeUndefined();
      expect(await a.list()).toEqual([]);
      // A second end of the same watch must not free a place that another watch holds.
      const other = freshKey('solo');
      expect((await a.join(other, asker('p2'), caps, 1)).kind).toBe('started');
      expect(await b.endIfEmpty(key)).toBe(true);
      expect((await a.join(freshKey('solo'), asker('p3'), caps, 1)).kind).toBe('full');
    });

    it('forgets every watch of one workspace, its people and its place under the caps, and no other', async () => {
      const { a, b, storedKeys } = await subject();
      const caps = { perWorkspace: 2, total: 1_000 };
      const gone = [freshKey('slack:T_GONE'), freshKey('slack:T_GONE')];
      const kept = freshKey('slack:T_KEPT');
      await a.join(gone[0] as WatchKey, asker('g1'), caps, 1);
      await b.join(gone[0] as WatchKey, asker('g2'), caps, 1);
      await a.join(gone[1] as WatchKey, asker('g3'), caps, 1);
      await b.join(kept, asker('k1'), caps, 1);
      expect(await b.forgetWorkspace('slack:T_GONE')).toBe(2);
      for (const key of gone) {
        expect(await a.get(key)).toBeUndefined();
        expect(await a.askers(key)).toEqual([]);
      }
      expect(await a.list()).toEqual([expect.objectContaining(kept)]);
      expect((await a.askers(kept)).map((x) => x.id)).toEqual(['k1']);
      // Its places under the per-workspace cap are free again; a second forget finds nothing.
      expect((await a.join(freshKey('slack:T_GONE'), asker('g4'), caps, 1)).kind).toBe('started');
      expect((await a.join(freshKey('slack:T_GONE'), asker('g5'), caps, 1)).kind).toBe('started');
      expect(await a.forgetWorkspace('slack:T_GONE')).toBe(2);
      expect(await a.forgetWorkspace('slack:T_GONE')).toBe(0);
      if (storedKeys) {
        // Only the kept watch's records are left (and no counter of the forgotten workspace).
        const left = await storedKeys();
        expect(left.filter((k) => /:(watch|askers):/.test(k))).toHaveLength(2);
        expect(left.filter((k) => k.includes('T_GONE'))).toEqual([]);
      }
    });

    it('gives each new watch of the same job a higher generation', async () => {
      const { a, b } = await subject();
      const key = freshKey();
      const generations: number[] = [];
      for (let round = 0; round < 3; round++) {
        const outcome = await (round % 2 ? a : b).join(key, asker(`p${round}`), wide, round);
        if (outcome.kind !== 'started') throw new Error(`round ${round}: ${outcome.kind}`);
        generations.push(outcome.watch.generation);
        await a.finish(key, `p${round}`);
        expect(await b.endIfEmpty(key)).toBe(true);
      }
      expect(generations[1]).toBeGreaterThan(generations[0] ?? Infinity);
      expect(generations[2]).toBeGreaterThan(generations[1] ?? Infinity);
    });

    it('keeps jobs apart whose workspace and job id contain colons', async () => {
      const { a } = await subject();
      const one = { workspace: 'slack:E1:T1', jobId: 'x' };
      const two = { workspace: 'slack:E1', jobId: 'T1:x' };
      expect((await a.join(one, asker('p1'), wide, 1)).kind).toBe('started');
      expect((await a.join(two, asker('p2'), wide, 1)).kind).toBe('started');
      expect((await a.askers(one)).map((x) => x.id)).toEqual(['p1']);
      expect((await a.askers(two)).map((x) => x.id)).toEqual(['p2']);
      expect(await a.claim(one, 'p', 60_000)).toBe(true);
      expect(await a.claim(two, 'p', 60_000)).toBe(true);
      expect((await a.list()).map((w) => w.workspace).sort()).toEqual(['slack:E1', 'slack:E1:T1']);
    });

    it('grants a claim to one instance only, gives it back on release, and clears it on finish', async () => {
      const { a, b } = await subject();
      const key = freshKey();
      await a.join(key, asker('p1'), wide, 1);
      const claims = await Promise.all([a.claim(key, 'p1', 60_000), b.claim(key, 'p1', 60_000)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      await a.release(key, 'p1');
      expect(await b.claim(key, 'p1', 60_000)).toBe(true);
      await b.finish(key, 'p1');
      expect(await a.claim(key, 'p1', 60_000)).toBe(true);
    });

    it(
      traits.claimsExpire
        ? 'lets a claim expire after its ttl (a crash between claim and post)'
        : 'keeps a claim for the life of the process (a crash clears every claim with it)',
      async () => {
        const { a, b } = await subject();
        const key = freshKey();
        expect(await a.claim(key, 'p1', 50)).toBe(true);
        expect(await b.claim(key, 'p1', 50)).toBe(false);
        await sleep(120);
        expect(await b.claim(key, 'p1', 50)).toBe(traits.claimsExpire);
      },
    );

    it('ignores an update for a person who has left', async () => {
      const { a, b } = await subject();
      const key = freshKey();
      await a.join(key, asker('p1'), wide, 1);
      await a.join(key, asker('p2'), wide, 1);
      await b.updateAsker(key, { ...asker('p1'), heard: 'running', finalAttempts: 1 });
      await b.finish(key, 'p2');
      await a.updateAsker(key, { ...asker('p2'), heard: 'running' });
      expect(await a.askers(key)).toEqual([{ ...asker('p1'), heard: 'running', finalAttempts: 1 }]);
    });

    it('never loses a person who joins while the watch ends (many interleavings)', async () => {
      const { a, b } = await subject();
      const keys = Array.from({ length: 4 }, () => freshKey('race'));
      const joined = new Set<string>();
      const finished = new Set<string>();
      const runners: Promise<void>[] = [];

      // The owner of a watch answers everyone it sees, then tries to end; someone new keeps it going.
      const runWatch = async (state: WatchState, key: WatchKey) => {
        for (;;) {
          for (const waiting of await state.askers(key)) {
            await state.finish(key, waiting.id);
            finished.add(waiting.id);
          }
          if (await state.endIfEmpty(key)) return;
        }
      };
      const joinOne = async (i: number) => {
        const state = i % 2 ? a : b;
        const key = keys[i % keys.length] as WatchKey;
        await sleep(i % 7);
        const outcome = await state.join(key, asker(`r${i}`), wide, i);
        joined.add(`r${i}`);
        if (outcome.kind === 'started') runners.push(runWatch(i % 3 ? a : b, key));
      };

      await Promise.all(Array.from({ length: 200 }, (_, i) => joinOne(i)));
      // Runners may start more runners only through joins, which are all done: wait for the set to settle.
      for (let settled = 0; settled < runners.length; settled = runners.length) await Promise.all(runners);
      expect(joined.size).toBe(200);
      expect([...joined].filter((id) => !finished.has(id))).toEqual([]);
      for (const key of keys) expect(await a.get(key)).toBeUndefined();
      expect(await b.list()).toEqual([]);
    });
  });
}

describeWatchState(
  'in-process on a key/value store',
  async () => {
    const state = createMemoryWatchState(createMemoryStore());
    return { a: state, b: state, dispose: () => state.close() };
  },
  { claimsExpire: false },
);

const redisUp = await shouldRunRedisTests();
const clients: Redis[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
});

describe.runIf(redisUp)('on Redis', () => {
  describeWatchState(
    'Redis, two clients',
    async () => {
      const prefix = `skidio-test-${randomUUID()}:`;
      const one = new Redis(REDIS_URL);
      const two = new Redis(REDIS_URL);
      clients.push(one, two);
      const storedKeys = async () => (await one.keys(`${prefix}*`)).filter((k) => !k.includes(':gen:'));
      return {
        a: createRedisWatchState(one, { prefix }),
        b: createRedisWatchState(two, { prefix }),
        storedKeys,
        async dispose() {
          const left = await one.keys(`${prefix}*`);
          if (left.length > 0) await one.del(...left);
          await Promise.all([one.quit(), two.quit()]);
        },
      };
    },
    { claimsExpire: true },
  );
});
