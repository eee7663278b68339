/**
 * Final replies (the images, or why there are none): each person gets theirs once, across failed posts,
 * restarts and people joining while replies go out. What the channels received is the truth here.
 *
 * The crash cases run on the in-process engine only: a crash is simulated by stopping a process whose post
 * never returns, and on BullMQ + Redis that process's worker (alive in this test process) keeps the watch's
 * lock and its Redis claim lasts CLAIM_TTL_MS (two minutes), so the takeover would not happen in test time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../src/core/job-status.js';
import type { StoredAsker, WatchKey } from '../../../src/core/watcher/types.js';
import { createTestLogger } from '../../support/test-logger.js';
import { cleanupWorlds, completed, createWorld, engines, inProcessKit, running } from './watcher-world.js';

afterEach(cleanupWorlds);

const key = (jobId: string, workspace = 'slack:T1'): WatchKey => ({ workspace, jobId });
const never = () => new Promise<never>(() => {});

describe.each(engines)('final replies on $name', (kit) => {
  const retryDelayMs = kit.schedule.finalRetryDelayMs ?? 30_000;

  it('keeps a failed final reply owed and tries it again after a pause, asking the API once more for the images', async () => {
    const world = createWorld(kit, { script: [completed()] });
    const process = await world.start();
    const owed: StoredAsker[][] = [];
    const a = world.channel('a', {
      async onResult(attempt, post) {
        if (attempt === 1) {
          owed.push(await process.state.askers(key('job-a')));
          throw new Error('Slack answered 503 after its retries');
        }
        post();
      },
    });
    await process.watcher.watch(key('job-a'), world.asker(a));
    await world.ended(key('job-a'));
    expect(owed).toEqual([[expect.objectContaining({ address: { channel: 'a' }, finalAttempts: 1 })]]);
    expect(a.seen).toEqual(['result']);
    expect(a.finalTries).toHaveLength(2);
    expect((a.finalTries[1] ?? 0) - (a.finalTries[0] ?? 0)).toBeGreaterThanOrEqual(retryDelayMs);
    // Images are not stored between tries (they can be many MB): the retry asks the API for them again.
    expect(world.client.calls).toHaveLength(2);
  });

  it('posts the images it owes even when the retry falls after the watch timeout', async () => {
    // The job completed at the first check; the retry of the failed post comes after the timeout.
    const world = createWorld(kit, { script: [completed()], timeoutMs: Math.floor(retryDelayMs / 2) });
    const process = await world.start();
    const a = world.channel('a', {
      async onResult(attempt, post) {
        if (attempt === 1) throw new Error('Discord answered 500 after its retries');
        post();
      },
    });
    await process.watcher.watch(key('job-late'), world.asker(a));
    await world.ended(key('job-late'));
    expect(a.errors).toEqual([]);
    expect(a.seen).toEqual(['result']);
  });

  it('gives up after every attempt failed: logs it, tells the person once in words, and clears the state', async () => {
    const log = createTestLogger();
    // No timeout in the way: the pauses between attempts add up past the default one.
    const world = createWorld(kit, {
      script: [completed()],
      timeoutMs: 1e12,
      schedule: { maxFinalAttempts: 3 },
      logger: log.logger,
    });
    const process = await world.start();
    const b = world.channel('b', {
      onResult: () => Promise.reject(new Error('Discord answered 500 after its retries')),
    });
    await process.watcher.watch(key('job-b'), world.asker(b));
    await world.ended(key('job-b'));
    expect(b.seen).toEqual(['error']);
    expect(b.errors).toEqual([
      '⚠️ Job `job-b` finished, but I could not post its result here after 3 tries. Run `/skidio status job-b` to try again.',
    ]);
    // Three result attempts, the pause doubling after each, then the one message in words.
    expect(b.finalTries).toHaveLength(4);
    const [first = 0, second = 0, third = 0] = b.finalTries;
    expect(second - first).toBeGreaterThanOrEqual(retryDelayMs);
    expect(third - second).toBeGreaterThanOrEqual(2 * retryDelayMs);
    expect(log.entries().map((entry) => entry.msg)).toContain(
      'gave up on a final reply after every attempt failed',
    );
    expect(await process.state.askers(key('job-b'))).toEqual([]);
    expect(await process.state.list()).toEqual([]);
  });

  it('answers a person who joins while the final replies are going out', async () => {
    const world = createWorld(kit, { script: [completed()] });
    const process = await world.start();
    let release = () => {};
    const first = world.channel('first', {
      async onResult(_attempt, post) {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        post();
      },
    });
    await process.watcher.watch(key('job-c'), world.asker(first));
    await world.until(() => first.finalTries.length === 1, 'the first reply is going out');
    const second = world.channel('second');
    await process.watcher.watch(key('job-c'), world.asker(second));
    expect((await process.state.askers(key('job-c'))).map((asker) => asker.address)).toEqual(
      expect.arrayContaining([{ channel: 'first' }, { channel: 'second' }]),
    );
    release();
    await world.ended(key('job-c'));
    expect(first.seen).toEqual(['result']);
    expect(second.seen).toEqual(['result']);
  });

  it('gives a resumed person who already heard the current state no progress again, only the end', async () => {
    let status: JobStatus = running;
    const world = createWorld(kit, { script: () => status, timeoutMs: 1e12 });
    const first = await world.start();
    const d = world.channel('d');
    await first.watcher.watch(key('job-d'), world.asker(d));
    await world.until(() => d.seen.length === 1, 'the person heard the job running');
    await first.watcher.stop();

    const checksBefore = world.client.calls.length;
    await world.start();
    await world.until(() => world.client.calls.length >= checksBefore + 2, 'the next process checked twice');
    status = completed();
    await world.ended(key('job-d'));
    expect(d.seen).toEqual(['progress:running', 'result']);
  });

  it('posts nothing again after a restart once the reply is posted', async () => {
    const world = createWorld(kit, { script: [completed()] });
    const first = await world.start();
    const c = world.channel('c');
    await first.watcher.watch(key('job-e'), world.asker(c));
    await world.ended(key('job-e'));
    await first.watcher.stop();
    const second = await world.start();
    expect(second.resumed).toBe(0);
    await second.watcher.idle();
    expect(c.seen).toEqual(['result']);
  });

  it('posts a job that completed while the bot was down, even past the watch timeout', async () => {
    let status: JobStatus = running;
    const timeoutMs = 60_000;
    const world = createWorld(kit, { script: () => status, timeoutMs });
    // The first process does not time out while the test waits on it (the fake clock races ahead).
    const first = await world.start({ timeoutMs: 1e12 });
    const e = world.channel('e');
    await first.watcher.watch(key('job-f'), world.asker(e));
    await world.until(() => e.seen.length === 1, 'the person heard the job running');
    await first.watcher.stop();

    // Down for a day; the job completed meanwhile.
    world.clock.advance(24 * 60 * 60_000);
    status = completed();
    const second = await world.start();
    expect(second.resumed).toBe(1);
    await world.ended(key('job-f'));
    expect(e.errors).toEqual([]);
    expect(e.seen).toEqual(['progress:running', 'result']);
  });
});

describe('final replies across a crash (in-process engine)', () => {
  it('posts once after a crash between counting the attempt and the platform taking the reply', async () => {
    const world = createWorld(inProcessKit, { script: [completed()] });
    const first = await world.start();
    const a = world.channel('a', {
      async onResult(attempt, post) {
        // The first process dies while the upload is in flight: the post never lands, nothing after it runs.
        if (attempt === 1) return never();
        post();
      },
    });
    await first.watcher.watch(key('job-g'), world.asker(a));
    await world.until(() => a.finalTries.length === 1, 'the post is in flight');
    await first.watcher.stop({ graceMs: 50 });
    expect(await first.state.askers(key('job-g'))).toEqual([
      expect.objectContaining({ address: { channel: 'a' }, finalAttempts: 1 }),
    ]);

    const second = await world.start();
    expect(second.resumed).toBe(1);
    await world.ended(key('job-g'));
    expect(a.seen).toEqual(['result']);
  });

  it('posts again exactly once after a crash between the platform taking the reply and the state recording it', async () => {
    const world = createWorld(inProcessKit, { script: [completed()] });
    const first = await world.start();
    const b = world.channel('b', {
      async onResult(attempt, post) {
        post();
        // Killed right after the platform answered: the state never hears of it.
        if (attempt === 1) return never();
      },
    });
    await first.watcher.watch(key('job-h'), world.asker(b));
    await world.until(() => b.results.length === 1, 'the platform took the reply');
    await first.watcher.stop({ graceMs: 50 });

    const second = await world.start();
    expect(second.resumed).toBe(1);
    await world.ended(key('job-h'));
    expect(b.seen).toEqual(['result', 'result']);
    await second.watcher.stop();

    // That duplicate is the only one: a third process finds nothing to post.
    const third = await world.start();
    expect(third.resumed).toBe(0);
    await third.watcher.idle();
    expect(b.seen).toEqual(['result', 'result']);
  });
});
