/**
 * Exactly once across restarts: each final reply is marked `posting` in the store before the platform is
 * asked and leaves the record once the platform took it. These tests kill a process at each point of that
 * bracket and check what the next process posts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/core/job-status.js';
import type { KeyValueStore } from '../../src/core/ports.js';
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

/** A restarted process: resumes with subscribers that post to the same platform; returns how many it resumed. */
async function restart(store: KeyValueStore, platform: Platform, status: () => JobStatus) {
  const next = startProcess(store, jobClient(status));
  const resumed = await next.watcher.resume((stored) => subscriberOn(platform, stored.id));
  await next.watcher.idle();
  const left = await next.registry.list();
  await next.watcher.stop();
  return { resumed, left };
}

describe('final replies across a crash', () => {
  it('marks the reply posting before the platform is asked, and drops it from the record after', async () => {
    const store = sharedStore();
    const first = startProcess(
      store,
      jobClient(() => completed),
    );
    const platform: Platform = [];
    const seen: unknown[] = [];
    await first.watcher.watch(
      'discord:1',
      'job-a',
      subscriberOn(platform, 'a', async (post) => {
        seen.push(await first.registry.list());
        post();
      }),
    );
    expect(seen).toEqual([
      [
        expect.objectContaining({
          subscribers: [expect.objectContaining({ id: 'a', phase: 'posting', finalAttempts: 1 })],
        }),
      ],
    ]);
    expect(await first.registry.list()).toEqual([]);
    expect(platform).toEqual(['a']);
  });

  it('posts again exactly once after a crash between the platform taking the reply and the store recording it', async () => {
    const store = sharedStore();
    const first = startProcess(
      store,
      jobClient(() => completed),
    );
    const platform: Platform = [];
    await first.watcher.watch(
      'slack:T1',
      'job-b',
      subscriberOn(platform, 'b', async (post) => {
        post();
        // Killed right after the platform answered: the "after" write never lands.
        first.crash();
      }),
    );
    await first.watcher.stop();
    expect(platform).toEqual(['b']);

    const second = await restart(store, platform, () => completed);
    expect(second.resumed).toBe(1);
    expect(platform).toEqual(['b', 'b']);
    expect(second.left).toEqual([]);

    // That duplicate is the only one: a third process finds nothing to post.
    const third = await restart(store, platform, () => completed);
    expect(third.resumed).toBe(0);
    expect(platform).toEqual(['b', 'b']);
  });

  it('posts nothing again after a crash once the post is recorded', async () => {
    const store = sharedStore();
    const first = startProcess(
      store,
      jobClient(() => completed),
    );
    const platform: Platform = [];
    await first.watcher.watch('slack:T1', 'job-c', subscriberOn(platform, 'c'));
    first.crash();
    await first.watcher.stop();

    const second = await restart(store, platform, () => completed);
    expect(second.resumed).toBe(0);
    expect(platform).toEqual(['c']);
  });

  it('posts once after a crash between the "posting" mark and the platform taking the reply', async () => {
    const store = sharedStore();
    const first = startProcess(
      store,
      jobClient(() => completed),
    );
    const platform: Platform = [];
    await first.watcher.watch(
      'discord:1',
      'job-d',
      subscriberOn(platform, 'd', async () => {
        first.crash();
        throw new Error('killed before the upload went out');
      }),
    );
    await first.watcher.stop();
    expect(platform).toEqual([]);

    const second = await restart(store, platform, () => completed);
    expect(second.resumed).toBe(1);
    expect(platform).toEqual(['d']);
    expect(second.left).toEqual([]);
  });

  it('posts a job that completed while the bot was down, even past the watch timeout', async () => {
    const store = sharedStore();
    let status: JobStatus = { state: 'running' };
    const first = startProcess(
      store,
      jobClient(() => status),
      { timeoutMs: 60_000 },
    );
    const platform: Platform = [];
    const subscriber = subscriberOn(platform, 'e');
    void first.watcher.watch('discord:1', 'job-e', subscriber);
    await eventually(() => subscriber.events.length > 0);
    first.crash();
    await first.watcher.stop();

    // The record says the watch started long ago; the next process still checks once before giving up.
    const [record] = await startProcess(
      store,
      jobClient(() => status),
    ).registry.list();
    if (!record) throw new Error('the watch was not recorded');
    await store.set(`watch:${JSON.stringify(['discord:1', 'job-e'])}`, { ...record, startedAt: -1e9 });
    status = completed;
    const second = await restart(store, platform, () => status);
    expect(second.resumed).toBe(1);
    expect(platform).toEqual(['e']);
  });
});
