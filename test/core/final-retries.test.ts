/**
 * Final replies that fail, overlap or are cut off by shutdown: they stay in the store until they are posted
 * (or given up on after every attempt), so that none is lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/core/job-status.js';
import type { Logger } from '../../src/core/ports.js';
import type { StoredWatch } from '../../src/core/watch-registry.js';
import {
  completedStatus,
  eventually,
  jobClient,
  type Platform,
  sharedStore,
  startProcess,
  subscriberOn,
} from './watch-process.js';

let completed: JobStatus;
beforeAll(async () => {
  completed = await completedStatus();
});

const owedIds = (records: StoredWatch[]) =>
  records.flatMap((record) => record.subscribers.map((subscriber) => subscriber.id)).sort();

function messages(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    debug() {},
    info() {},
    warn: (_fields: object, message?: string) => void lines.push(String(message)),
    error: (_fields: object, message?: string) => void lines.push(String(message)),
    child: () => logger,
  };
  return logger;
}

describe('final replies that fail', () => {
  it('keeps a failed reply owed and tries it again after a pause, without asking the API again', async () => {
    const client = jobClient(() => completed);
    const running = startProcess(sharedStore(), client, { schedule: { finalRetryDelayMs: 30_000 } });
    const platform: Platform = [];
    const subscriber = subscriberOn(platform, 'a', async (post, attempt) => {
      if (attempt === 1) throw new Error('Slack answered 503 after its retries');
      post();
    });
    await running.watcher.watch('slack:T1', 'job-a', subscriber);
    expect(platform).toEqual([]);
    expect(await running.registry.list()).toMatchObject([
      { jobId: 'job-a', subscribers: [{ id: 'a', phase: 'posting', finalAttempts: 1 }] },
    ]);

    await eventually(() => platform.length > 0);
    await eventually(async () => (await running.registry.list()).length === 0);
    expect(platform).toEqual(['a']);
    expect(client.checks).toBe(1);
    await running.watcher.stop();
  });

  it('gives up after every attempt failed, says so in the log, and clears the record', async () => {
    const logger = messages();
    const running = startProcess(
      sharedStore(),
      jobClient(() => completed),
      {
        schedule: { maxFinalAttempts: 3 },
        logger,
      },
    );
    let attempts = 0;
    const subscriber = subscriberOn([], 'b', async (_post, attempt) => {
      attempts = attempt;
      throw new Error('Discord answered 500 after its retries');
    });
    await running.watcher.watch('discord:1', 'job-b', subscriber);
    await eventually(async () => (await running.registry.list()).length === 0);
    expect(attempts).toBe(3);
    expect(logger.lines).toContain('gave up on a final reply after every attempt failed');
    await running.watcher.stop();
  });
});

describe('final replies that overlap or are cut off', () => {
  it('records both people while one is being answered and the other asks again', async () => {
    const running = startProcess(
      sharedStore(),
      jobClient(() => completed),
    );
    const platform: Platform = [];
    const releases: (() => void)[] = [];
    const held = (id: string) =>
      subscriberOn(platform, id, async (post) => {
        await new Promise<void>((resolve) => releases.push(resolve));
        post();
      });
    const first = running.watcher.watch('slack:T1', 'job-c', held('first'));
    await eventually(() => releases.length === 1);
    // The first watch has left the coalescing map: this starts a second watch of the same job.
    const second = running.watcher.watch('slack:T1', 'job-c', held('second'));
    await eventually(() => releases.length === 2);
    expect(owedIds(await running.registry.list())).toEqual(['first', 'second']);

    releases[1]?.();
    await second;
    expect(owedIds(await running.registry.list())).toEqual(['first']);
    releases[0]?.();
    await first;
    expect(await running.registry.list()).toEqual([]);
    expect(platform.sort()).toEqual(['first', 'second']);
    await running.watcher.stop();
  });

  it('gives a resumed reply that was being posted no more progress, only the end', async () => {
    const store = sharedStore();
    let status: JobStatus = { state: 'running' };
    await store.set(`watch:${JSON.stringify(['slack:T1', 'job-d'])}`, {
      workspace: 'slack:T1',
      jobId: 'job-d',
      startedAt: 0,
      subscribers: [
        { id: 'd', requesterId: 'U1', joinedAt: 0, delivery: {}, phase: 'posting', finalAttempts: 1 },
      ],
    } satisfies StoredWatch);
    const client = jobClient(() => status);
    const next = startProcess(store, client, { timeoutMs: 1e12 });
    const subscriber = subscriberOn([], 'd');
    expect(await next.watcher.resume(() => subscriber)).toBe(1);
    await eventually(() => client.checks >= 2);
    status = completed;
    await next.watcher.idle();
    expect(subscriber.events.map((event) => event.kind)).toEqual(['completed']);
    await next.watcher.stop();
  });

  it('stops within the grace period with a reply still going out; it stays recorded as posting', async () => {
    const running = startProcess(
      sharedStore(),
      jobClient(() => completed),
    );
    let started = false;
    const hanging = subscriberOn([], 'e', async () => {
      started = true;
      await new Promise<never>(() => {});
    });
    const watching = running.watcher.watch('discord:1', 'job-e', hanging);
    await eventually(() => started);
    await running.watcher.stop({ graceMs: 50 });
    await watching;
    expect(await running.registry.list()).toMatchObject([{ subscribers: [{ id: 'e', phase: 'posting' }] }]);
  });

  it('keeps a watch stopped mid-poll in the record when a reply of the same job finishes after stop()', async () => {
    let checks = 0;
    // The first check finds the job done; the second watch's checks find it running (a stale answer).
    const running = startProcess(
      sharedStore(),
      jobClient(() => (checks++ === 0 ? completed : { state: 'running' })),
    );
    let release = () => {};
    const first = subscriberOn(
      [],
      'first',
      (post) =>
        new Promise<void>((resolve) => {
          release = () => {
            post();
            resolve();
          };
        }),
    );
    const second = subscriberOn([], 'second');
    const firstWatch = running.watcher.watch('slack:T1', 'job-g', first);
    await eventually(() => first.events.length === 1);
    const secondWatch = running.watcher.watch('slack:T1', 'job-g', second);
    await eventually(() => second.events.length === 1);
    await running.watcher.stop({ graceMs: 20 });
    release();
    await Promise.all([firstWatch, secondWatch]);
    await eventually(async () => owedIds(await running.registry.list()).join() === 'second');
  });

  it('records a watch asked for after stop(), for the next start to answer', async () => {
    const running = startProcess(
      sharedStore(),
      jobClient(() => completed),
    );
    await running.watcher.stop();
    await running.watcher.watch('discord:1', 'job-f', subscriberOn([], 'f'));
    expect(owedIds(await running.registry.list())).toEqual(['f']);
  });
});
