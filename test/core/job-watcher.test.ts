import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  JobNotFoundError,
  JobTimedOutError,
  NetworkError,
  NoApiKeyError,
  TooManyWatchesError,
  UpstreamUnavailableError,
} from '../../src/core/errors.js';
import { createImageFetcher } from '../../src/core/images.js';
import type { JobStatus } from '../../src/core/job-status.js';
import { createJobWatcher, type WatchEvent, type WatchSubscriber } from '../../src/core/job-watcher.js';
import type { SkidioClient, StatusAnswer } from '../../src/core/skidio-client.js';
import { createWatchRegistry } from '../../src/core/watch-registry.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createFakeClock } from '../support/fake-clock.js';

let pngBase64 = '';
beforeAll(async () => {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#36c' } })
    .png()
    .toBuffer();
  pngBase64 = png.toString('base64');
});

type Step = JobStatus | Error;

/** A Skidio client that answers from a script (the last step repeats) and counts calls per job. */
function scriptedClient(
  script: Step[] | (() => Step[]),
): SkidioClient & { calls: { jobId: string; apiKey: string }[] } {
  const calls: { jobId: string; apiKey: string }[] = [];
  const steps = typeof script === 'function' ? script() : script;
  return {
    calls,
    async status(jobId, apiKey) {
      calls.push({ jobId, apiKey });
      const step = steps[Math.min(calls.length - 1, steps.length - 1)];
      if (step === undefined) throw new Error('empty script');
      if (step instanceof Error) throw step;
      return { jobId, status: step } satisfies StatusAnswer;
    },
    submitAsync: () => Promise.reject(new Error('not used')),
    generateSync: () => Promise.reject(new Error('not used')),
  };
}

function completed(): JobStatus {
  return { state: 'completed', images: [{ kind: 'inline', base64: pngBase64 }] };
}

function collector(id: string): WatchSubscriber & { events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  return {
    id,
    requesterId: `user-${id}`,
    delivery: { kind: 'test', id },
    events,
    async onEvent(event) {
      events.push(event);
    },
  };
}

function setup(script: Step[], options: { apiKey?: string | undefined; timeoutMs?: number } = {}) {
  const clock = createFakeClock();
  const client = scriptedClient(script);
  const store = createMemoryStore();
  const registry = createWatchRegistry(store);
  const apiKey = 'apiKey' in options ? options.apiKey : 'sk-watch-key-1234';
  const watcher = createJobWatcher({
    client,
    images: createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false }),
    apiKeyFor: async () => apiKey,
    registry,
    timeoutMs: options.timeoutMs ?? 60_000,
    clock,
    random: () => 0.5,
  });
  return { clock, client, store, registry, watcher };
}

const kinds = (events: WatchEvent[]) =>
  events.map((event) => (event.kind === 'progress' ? `progress:${event.status.state}` : event.kind));

describe('job watcher', () => {
  it('tells a subscriber each status change once, then the images', async () => {
    const { watcher } = setup([
      { state: 'queued' },
      { state: 'queued' },
      { state: 'running' },
      { state: 'running' },
      completed(),
    ]);
    const subscriber = collector('a');
    await watcher.watch('ws:1', 'job-1', subscriber);
    expect(kinds(subscriber.events)).toEqual(['progress:queued', 'progress:running', 'completed']);
    const last = subscriber.events.at(-1);
    expect(last?.kind === 'completed' && last.images.files.map((file) => file.name)).toEqual(['job-1-1.png']);
  });

  it('polls once per job however many people ask, and everyone hears the end', async () => {
    const { watcher, client } = setup([
      { state: 'queued' },
      { state: 'running' },
      { state: 'running' },
      completed(),
    ]);
    const subscribers = Array.from({ length: 25 }, (_, index) => collector(String(index)));
    await Promise.all(subscribers.map((subscriber) => watcher.watch('ws:1', 'job-shared', subscriber)));
    expect(client.calls).toHaveLength(4);
    for (const subscriber of subscribers) {
      expect(kinds(subscriber.events)).toEqual(['progress:queued', 'progress:running', 'completed']);
    }
  });

  it('keeps jobs of different workspaces apart, each with its own key', async () => {
    const clock = createFakeClock();
    const client = scriptedClient([completed()]);
    const watcher = createJobWatcher({
      client,
      images: createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false }),
      apiKeyFor: async (workspace) => `key-of-${workspace}`,
      timeoutMs: 60_000,
      clock,
    });
    await Promise.all([
      watcher.watch('discord:1', 'same-job', collector('a')),
      watcher.watch('slack:T1', 'same-job', collector('b')),
    ]);
    expect(client.calls.map((call) => call.apiKey).sort()).toEqual(['key-of-discord:1', 'key-of-slack:T1']);
  });

  it('backs off 750 ms ×1.5 up to 5 s, then gives up at the timeout with a clear error', async () => {
    const { watcher, clock, client } = setup([{ state: 'running' }], { timeoutMs: 30_000 });
    const subscriber = collector('a');
    await watcher.watch('ws:1', 'stuck', subscriber);
    expect(clock.sleeps.slice(0, 6)).toEqual([750, 1125, 1688, 2531, 3797, 5000]);
    expect(Math.max(...clock.sleeps)).toBe(5000);
    const last = subscriber.events.at(-1);
    expect(last?.kind).toBe('ended');
    expect(last?.kind === 'ended' && last.error).toBeInstanceOf(JobTimedOutError);
    // 30 s of watching with this curve is a dozen checks, not the 60 a fixed 500 ms poller would make.
    expect(client.calls.length).toBeLessThanOrEqual(12);
  });

  it('ends at once when the first check says the job does not exist', async () => {
    const { watcher, client } = setup([new JobNotFoundError(404, 'job not found', undefined)]);
    const subscriber = collector('a');
    await watcher.watch('ws:1', 'missing', subscriber);
    expect(client.calls).toHaveLength(1);
    expect(subscriber.events).toHaveLength(1);
    expect(subscriber.events[0]?.kind === 'ended' && subscriber.events[0].error).toBeInstanceOf(
      JobNotFoundError,
    );
  });

  it('rides out transient failures after the first check, and stops after too many in a row', async () => {
    const network = new NetworkError('refused');
    const recovering = setup([{ state: 'running' }, network, network, completed()]);
    const first = collector('a');
    await recovering.watcher.watch('ws:1', 'flaky', first);
    expect(kinds(first.events)).toEqual(['progress:running', 'completed']);

    const down = setup([{ state: 'running' }, new UpstreamUnavailableError(503, '', undefined)]);
    const second = collector('b');
    await down.watcher.watch('ws:1', 'down', second);
    expect(down.client.calls).toHaveLength(6);
    expect(
      second.events.at(-1)?.kind === 'ended' && (second.events.at(-1) as { error: unknown }).error,
    ).toBeInstanceOf(UpstreamUnavailableError);
  });

  it('says so when the workspace has no key, without calling the API', async () => {
    const { watcher, client } = setup([completed()], { apiKey: undefined });
    const subscriber = collector('a');
    await watcher.watch('ws:1', 'job', subscriber);
    expect(client.calls).toHaveLength(0);
    expect(subscriber.events[0]?.kind === 'ended' && subscriber.events[0].error).toBeInstanceOf(
      NoApiKeyError,
    );
  });

  it('records the watch in the store while it runs and removes it at the end', async () => {
    const { watcher, registry } = setup([{ state: 'queued' }, { state: 'running' }, completed()]);
    const seen: unknown[] = [];
    const subscriber: WatchSubscriber = {
      id: 'sub-1',
      requesterId: 'U1',
      delivery: { channel: 'C1' },
      async onEvent(event) {
        if (event.kind === 'progress') seen.push(await registry.list());
      },
    };
    await watcher.watch('slack:T1', 'persisted', subscriber);
    expect(seen[0]).toEqual([
      {
        workspace: 'slack:T1',
        jobId: 'persisted',
        startedAt: expect.any(Number),
        subscribers: [
          { id: 'sub-1', requesterId: 'U1', joinedAt: expect.any(Number), delivery: { channel: 'C1' } },
        ],
      },
    ]);
    expect(await registry.list()).toEqual([]);
  });

  it('resumes stored watches and delivers to the restored subscribers', async () => {
    const { watcher, registry } = setup([{ state: 'running' }, completed()]);
    await registry.save({
      workspace: 'discord:1',
      jobId: 'resumed',
      startedAt: Date.now(),
      subscribers: [{ id: 's1', requesterId: 'U1', joinedAt: Date.now(), delivery: { channel: '42' } }],
    });
    const restored = collector('s1');
    const count = await watcher.resume((stored) =>
      (stored.delivery as { channel: string }).channel === '42' ? restored : undefined,
    );
    expect(count).toBe(1);
    await watcher.idle();
    expect(kinds(restored.events)).toEqual(['progress:running', 'completed']);
    expect(await registry.list()).toEqual([]);
  });

  it('keeps delivering to others when one subscriber throws', async () => {
    const { watcher } = setup([{ state: 'running' }, completed()]);
    const broken: WatchSubscriber = {
      id: 'broken',
      requesterId: 'U0',
      delivery: {},
      async onEvent() {
        throw new Error('platform down');
      },
    };
    const healthy = collector('ok');
    await Promise.all([watcher.watch('ws:1', 'job', broken), watcher.watch('ws:1', 'job', healthy)]);
    expect(kinds(healthy.events)).toEqual(['progress:running', 'completed']);
  });

  it('stops polling on stop() but keeps the watch in the store for the next start', async () => {
    const { watcher, registry } = setup([{ state: 'running' }], { timeoutMs: 1e12 });
    const subscriber = collector('a');
    const watching = watcher.watch('ws:1', 'long', subscriber);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await watcher.stop();
    await watching;
    expect(watcher.activeCount()).toBe(0);
    expect((await registry.list()).map((watch) => watch.jobId)).toEqual(['long']);
  });
});

describe('job watcher limits', () => {
  function limited(
    limits: { maxWatchesPerWorkspace?: number; maxWatchesTotal?: number; maxImagesPerJob?: number },
    script: Step[],
  ) {
    return createJobWatcher({
      client: scriptedClient(script),
      images: createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false }),
      apiKeyFor: async () => 'k',
      timeoutMs: 1e12,
      clock: createFakeClock(),
      limits,
    });
  }

  it('refuses a new watch past the per-workspace cap, but lets people join a watched job', async () => {
    const watcher = limited({ maxWatchesPerWorkspace: 2 }, [{ state: 'running' }]);
    const running = [watcher.watch('ws:1', 'a', collector('1')), watcher.watch('ws:1', 'b', collector('2'))];
    await expect(watcher.watch('ws:1', 'c', collector('3'))).rejects.toThrow(TooManyWatchesError);
    const joined = watcher.watch('ws:1', 'a', collector('4'));
    const elsewhere = watcher.watch('ws:2', 'c', collector('5'));
    expect(watcher.activeCount()).toBe(3);
    await watcher.stop();
    await Promise.all([...running, joined, elsewhere]);
  });

  it('refuses a new watch past the overall cap', async () => {
    const watcher = limited({ maxWatchesTotal: 1 }, [{ state: 'running' }]);
    const first = watcher.watch('ws:1', 'a', collector('1'));
    const refused = await watcher.watch('ws:2', 'b', collector('2')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyWatchesError);
    expect((refused as TooManyWatchesError).scope).toBe('bot');
    await watcher.stop();
    await first;
  });

  it('posts at most the per-job image cap and counts the rest', async () => {
    const three: JobStatus = {
      state: 'completed',
      images: Array.from({ length: 3 }, () => ({ kind: 'inline', base64: pngBase64 }) as const),
    };
    const watcher = limited({ maxImagesPerJob: 2 }, [three]);
    const subscriber = collector('1');
    await watcher.watch('ws:1', 'many', subscriber);
    const last = subscriber.events.at(-1);
    expect(last?.kind === 'completed' && last.images.files).toHaveLength(2);
    expect(last?.kind === 'completed' && last.images.omitted).toBe(1);
  });
});
