/**
 * The webhook issuer and route over real HTTP on loopback, on the in-memory store and on Redis shared by two
 * "instances" (two stores, two servers): a token works once, whether its call comes after `bind` or before it,
 * and however the calls and `bind` interleave across instances. What the route hurried is recorded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../src/core/ports.js';
import type { WatchKey } from '../src/core/watcher/types.js';
import { createKeyvStore } from '../src/store/keyv-store.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import { createWebhookIssuer, createWebhookRoute } from '../src/webhooks.js';
import { REDIS_URL, shouldRunRedisTests } from './support/redis.js';
import { createTestLogger } from './support/test-logger.js';

const WORKSPACE = 'slack:T_WEBHOOKS';
const PUBLIC_URL = 'https://bot.example.com';

/** One bot instance's webhook route on a loopback server, and every hurry it asked for. */
interface Instance {
  /** POSTs to the instance the path of `url` (a URL issued by any instance); resolves with the status. */
  post(url: string): Promise<number>;
  hurries: WatchKey[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startInstance(store: KeyValueStore): Promise<Instance> {
  const hurries: WatchKey[] = [];
  const route = createWebhookRoute({
    store,
    watcher: {
      hurry: async (key) => {
        hurries.push(key);
        return true;
      },
    },
    logger: createTestLogger().logger,
  });
  const server: Server = createServer((request, response) => void route.handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    hurries,
    async post(url) {
      const response = await fetch(`http://127.0.0.1:${port}${new URL(url).pathname}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'COMPLETED' }),
      });
      await response.body?.cancel();
      return response.status;
    },
  };
}

function issuerOn(store: KeyValueStore) {
  return createWebhookIssuer({ store, publicUrl: PUBLIC_URL, watchTimeoutMs: 60_000 });
}

/** Store keys that mention the token of `url`. */
function keysOf(store: ReturnType<typeof createMemoryStore>, url: string): string[] {
  const token = url.split('/').at(-1) ?? '?';
  return [...store.snapshot().keys()].filter((key) => key.includes(token));
}

describe('webhooks on one instance (in-memory store)', () => {
  it('after bind: answered 200 and hurries its job once; a replay gets 404; nothing of it stays stored', async () => {
    const store = createMemoryStore();
    const bot = await startInstance(store);
    const webhook = await issuerOn(store).issue(WORKSPACE);
    await webhook.bind('job-after');
    expect(await bot.post(webhook.url)).toBe(200);
    expect(bot.hurries).toEqual([{ workspace: WORKSPACE, jobId: 'job-after' }]);
    expect(await bot.post(webhook.url)).toBe(404);
    expect(bot.hurries).toHaveLength(1);
    expect(keysOf(store, webhook.url)).toEqual([]);
  });

  it('before bind: answered 200 and spent; bind does not bring the token back', async () => {
    const store = createMemoryStore();
    const bot = await startInstance(store);
    const webhook = await issuerOn(store).issue(WORKSPACE);
    expect(await bot.post(webhook.url)).toBe(200);
    expect(await bot.post(webhook.url)).toBe(404);
    // The API accepted the submission after its job had already called back.
    await webhook.bind('job-early');
    expect(await bot.post(webhook.url)).toBe(404);
    // Nothing to hurry: no watch exists before bind, and the watch started after it checks at once.
    expect(bot.hurries).toEqual([]);
  });

  it('a discarded token (the submission was refused) gets 404', async () => {
    const store = createMemoryStore();
    const bot = await startInstance(store);
    const webhook = await issuerOn(store).issue(WORKSPACE);
    await webhook.discard();
    expect(await bot.post(webhook.url)).toBe(404);
    expect(keysOf(store, webhook.url)).toEqual([]);
  });

  it('a token bound by the previous version (its job id inside it) still hurries its job, once', async () => {
    const store = createMemoryStore();
    const bot = await startInstance(store);
    const token = 'T0kenFromAnOlderVersion';
    await store.set(`webhook-token:${token}`, { workspace: WORKSPACE, jobId: 'job-old' });
    const url = `${PUBLIC_URL}/skidio/webhook/${token}`;
    expect(await bot.post(url)).toBe(200);
    expect(await bot.post(url)).toBe(404);
    expect(bot.hurries).toEqual([{ workspace: WORKSPACE, jobId: 'job-old' }]);
  });
});

describe('webhooks across two instances (Redis)', async () => {
  const runRedis = await shouldRunRedisTests();

  /** Two instances, each with its own connection to the one Redis. */
  async function twoInstances() {
    const { logger } = createTestLogger();
    const stores = [0, 1].map(() => createKeyvStore({ kind: 'redis', url: REDIS_URL }, logger));
    for (const store of stores) closers.push(() => store.close());
    const [storeA, storeB] = stores as [KeyValueStore, KeyValueStore];
    return {
      issuer: issuerOn(storeA),
      a: await startInstance(storeA),
      b: await startInstance(storeB),
    };
  }

  it.runIf(runRedis)(
    'of concurrent calls with one token on both instances, one is answered 200 and hurries',
    async () => {
      const { issuer, a, b } = await twoInstances();
      const webhook = await issuer.issue(WORKSPACE);
      await webhook.bind('job-duplicated');
      const statuses = await Promise.all(
        Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? a : b).post(webhook.url)),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 404)).toHaveLength(7);
      expect([...a.hurries, ...b.hurries]).toEqual([{ workspace: WORKSPACE, jobId: 'job-duplicated' }]);
    },
  );

  it.runIf(runRedis)(
    'a call on one instance racing bind on the other: one 200, then 404 everywhere',
    async () => {
      const { issuer, a, b } = await twoInstances();
      for (let round = 0; round < 20; round++) {
        const webhook = await issuer.issue(WORKSPACE);
        const jobId = `job-raced-${round}`;
        // bind starts 0 to 19 ms after the call: both orders come up, and interleavings in between.
        const bound = new Promise((resolve) => setTimeout(resolve, round)).then(() => webhook.bind(jobId));
        const [status] = await Promise.all([b.post(webhook.url), bound]);
        expect(status).toBe(200);
        expect(await a.post(webhook.url)).toBe(404);
        expect(await b.post(webhook.url)).toBe(404);
        // Hurried when the call saw the job id; either way, the watch's first check comes right after bind.
        expect(b.hurries.filter((key) => key.jobId === jobId).length).toBeLessThanOrEqual(1);
      }
      expect(a.hurries).toEqual([]);
    },
  );
});
