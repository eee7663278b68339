/**
 * The job watcher as people see it: what each person's channel receives and what the Skidio API was asked,
 * on every engine (see watcher-world.ts). Tests that step a fake clock through the default schedule run on the
 * in-process engine only: BullMQ delays are real time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  JobNotFoundError,
  NetworkError,
  TooManyWatchesError,
  UpstreamUnavailableError,
} from '../../../src/core/errors.js';
import { firstTurn } from '../../../src/core/watcher/engine.js';
import { cadencePlan } from '../../../src/core/watcher/poll-plan.js';
import { defaultPollSchedule, type WatchKey } from '../../../src/core/watcher/types.js';
import type { WatchState } from '../../../src/core/watcher/watch-state.js';
import {
  cleanupWorlds,
  completed,
  createWorld,
  engines,
  inProcessKit,
  queued,
  running,
} from './watcher-world.js';

afterEach(cleanupWorlds);

const key = (jobId: string, workspace = 'discord:1'): WatchKey => ({ workspace, jobId });

describe.each(engines)('job watcher on $name', (kit) => {
  it('tells each status change once, then the images', async () => {
    const world = createWorld(kit, { script: [queued, queued, running, running, completed()] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('job-1'), world.asker(a));
    await world.ended(key('job-1'));
    expect(a.seen).toEqual(['progress:queued', 'progress:running', 'result']);
    expect(a.results[0]?.images.files.map((file) => file.name)).toEqual(['job-1-1.png']);
    expect(a.results[0]?.text).toBe('✅ Job `job-1` is done: 1 image, requested by <@U-a>.');
    expect(world.client.calls).toHaveLength(5);
  });

  it('polls once per job however many people ask, and everyone hears the end', async () => {
    const world = createWorld(kit, { script: [queued, queued, queued, running, running, completed()] });
    const { watcher } = await world.start();
    const people = Array.from({ length: 25 }, (_, index) => world.channel(`p${index}`));
    await Promise.all(people.map((person) => watcher.watch(key('job-shared'), world.asker(person))));
    await world.ended(key('job-shared'));
    expect(world.client.calls).toHaveLength(6);
    for (const person of people)
      expect(person.seen).toEqual(['progress:queued', 'progress:running', 'result']);
  });

  it('keeps jobs of different workspaces apart, each with its own key', async () => {
    const world = createWorld(kit, {
      script: [completed()],
      apiKeyFor: (workspace) => `key-of-${workspace}`,
    });
    const { watcher } = await world.start();
    const a = world.channel('a');
    const b = world.channel('b');
    await Promise.all([
      watcher.watch(key('same-job', 'discord:1'), world.asker(a)),
      watcher.watch(key('same-job', 'slack:T1'), world.asker(b)),
    ]);
    await world.ended(key('same-job', 'discord:1'));
    await world.ended(key('same-job', 'slack:T1'));
    expect(world.client.calls.map((call) => call.apiKey).sort()).toEqual([
      'key-of-discord:1',
      'key-of-slack:T1',
    ]);
    expect(a.seen).toEqual(['result']);
    expect(b.seen).toEqual(['result']);
  });

  it('gives up at the timeout with a clear error, checking no sooner than the plan says', async () => {
    const plan = cadencePlan({ ...defaultPollSchedule, ...kit.schedule });
    const timeoutMs = kit === inProcessKit ? 30_000 : 400;
    const world = createWorld(kit, { script: [running], timeoutMs });
    const { watcher } = await world.start();
    const a = world.channel('a');
    // Planned instants count from the watch's start, stored just before its first check.
    const startedAt = world.clock.now();
    await watcher.watch(key('stuck'), world.asker(a));
    await world.ended(key('stuck'));
    expect(a.seen).toEqual(['progress:running', 'error']);
    expect(a.errors[0]).toMatch(/^⌛ I stopped watching job `stuck` after \d+ min and it had not finished\./);
    const calls = world.client.calls;
    expect(calls.length).toBeGreaterThan(3);
    // Each check at or after the next planned instant following the one before it (jitter only delays).
    for (let index = 1; index < calls.length; index++) {
      const previous = (calls[index - 1]?.at ?? 0) - startedAt;
      expect((calls[index]?.at ?? 0) - startedAt).toBeGreaterThanOrEqual(plan.nextCheckAfter(previous) - 1);
    }
    // No check after the timeout: the watch ended instead.
    expect((calls.at(-1)?.at ?? 0) - (calls[0]?.at ?? 0)).toBeLessThan(timeoutMs);
  });

  it('ends at once when the first check says the job does not exist', async () => {
    const world = createWorld(kit, { script: [new JobNotFoundError(404, 'job not found', undefined)] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('missing'), world.asker(a));
    await world.ended(key('missing'));
    expect(world.client.calls).toHaveLength(1);
    expect(a.seen).toEqual(['error']);
    expect(a.errors).toEqual([
      "🔍 Skidio has no job `missing` for this workspace's API key. Check the job id.",
    ]);
  });

  it('rides out transient failures after the first check', async () => {
    const network = new NetworkError('refused');
    const world = createWorld(kit, { script: [running, network, network, completed()] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('flaky'), world.asker(a));
    await world.ended(key('flaky'));
    expect(a.seen).toEqual(['progress:running', 'result']);
    expect(world.client.calls).toHaveLength(4);
  });

  it('stops after too many transient failures in a row', async () => {
    const world = createWorld(kit, { script: [running, new UpstreamUnavailableError(503, '', undefined)] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('down'), world.asker(a));
    await world.ended(key('down'));
    // One good check, then the default five failures in a row.
    expect(world.client.calls).toHaveLength(6);
    expect(a.seen).toEqual(['progress:running', 'error']);
    expect(a.errors).toEqual([
      '🌩️ The Skidio API is not answering properly right now. Try again in a few minutes.',
    ]);
  });

  it('ends at once on a transient failure of the very first check', async () => {
    const world = createWorld(kit, { script: [new NetworkError('refused'), completed()] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('first-fails'), world.asker(a));
    await world.ended(key('first-fails'));
    expect(world.client.calls).toHaveLength(1);
    expect(a.seen).toEqual(['error']);
  });

  it('says so when the workspace has no key, without calling the API', async () => {
    const world = createWorld(kit, { script: [completed()], apiKeyFor: () => undefined });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('job'), world.asker(a));
    await world.ended(key('job'));
    expect(world.client.calls).toHaveLength(0);
    expect(a.errors).toEqual([
      '🔑 This workspace has no Skidio API key yet. An admin can set one with `/skidio key set`.',
    ]);
  });

  it('keeps the watch and its person in the stored state while it runs, and removes both at the end', async () => {
    const world = createWorld(kit, { script: [queued, running, completed()] });
    const process = await world.start();
    const seen: unknown[] = [];
    const a = world.channel('a');
    const surface = world.asker(a);
    const live = surface.surface;
    const watched = key('persisted', 'slack:T1');
    await process.watcher.watch(watched, {
      ...surface,
      surface: {
        ...live,
        delivery: live.delivery,
        async progress(reply) {
          seen.push({ watches: await process.state.list(), askers: await process.state.askers(watched) });
          await live.progress(reply);
        },
      },
    });
    await world.ended(watched);
    expect(seen[0]).toEqual({
      watches: [{ workspace: 'slack:T1', jobId: 'persisted', startedAt: expect.any(Number), generation: 1 }],
      askers: [
        expect.objectContaining({
          platform: 'test',
          requesterId: 'U-a',
          mention: '<@U-a>',
          address: { channel: 'a' },
        }),
      ],
    });
    expect(await process.state.list()).toEqual([]);
    expect(await process.state.askers(watched)).toEqual([]);
    expect(a.seen).toEqual(['progress:queued', 'progress:running', 'result']);
  });

  it('keeps checking while a progress edit is held up, skips the state queued behind it, and ends after it', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const world = createWorld(kit, { script: [queued, running, running, completed()] });
    const { watcher } = await world.start();
    const throttled = world.channel('throttled', { progressHeld: held });
    await watcher.watch(key('held-up'), world.asker(throttled));
    await world.until(() => world.client.calls.length === 4, 'every check while the first edit is held up');
    expect(throttled.seen).toEqual(['progress:queued']);
    release();
    await world.ended(key('held-up'));
    // `running` was still waiting behind the held edit when the job completed: the result replaces it.
    expect(throttled.seen).toEqual(['progress:queued', 'result']);
  });

  it('asks the API nothing for a turn that outlived its watch (re-added at start-up just after it ended)', async () => {
    const world = createWorld(kit, { script: (check) => (check === 0 ? running : completed()) });
    const process = await world.start();
    const a = world.channel('a');
    await process.watcher.watch(key('ended-early'), world.asker(a));
    const [listedAtStart] = await process.state.list();
    if (!listedAtStart) throw new Error('the watch was not stored');
    await world.ended(key('ended-early'));
    const checksOfEnded = () => world.client.calls.filter((call) => call.jobId === 'ended-early').length;
    const checksAtEnd = checksOfEnded();

    // What a starting instance does with a watch it listed before the watch ended; a later watch follows it
    // through the queue, so once that one ends the stale turn has had its chance to run.
    await process.engine.add(firstTurn(listedAtStart, 0));
    await process.watcher.watch(key('after-it'), world.asker(world.channel('b')));
    await world.ended(key('after-it'));
    await process.watcher.idle();
    expect(checksOfEnded()).toBe(checksAtEnd);
    expect(await process.state.list()).toEqual([]);
    expect(a.seen).toEqual(['progress:running', 'result']);
  });

  it('keeps a stopped watch stored, and the next process resumes it and answers through the router', async () => {
    let status = running;
    const world = createWorld(kit, { script: () => status, timeoutMs: 1e12 });
    const first = await world.start();
    const a = world.channel('a');
    await first.watcher.watch(key('resumed'), world.asker(a));
    await world.until(() => a.seen.length === 1, 'the first progress');
    await first.watcher.stop();
    expect(first.watcher.activeCount()).toBe(0);
    expect((await first.state.list()).map((watch) => watch.jobId)).toEqual(['resumed']);
    const checksWhenStopped = world.client.calls.length;

    status = completed();
    const second = await world.start();
    expect(second.resumed).toBe(1);
    await world.ended(key('resumed'));
    expect(world.client.calls.length).toBeGreaterThan(checksWhenStopped);
    expect(a.seen).toEqual(['progress:running', 'result']);
    // The person was answered on a surface the router rebuilt from their stored address.
    expect(world.routed.map((asker) => asker.address)).toContainEqual({ channel: 'a' });
  });

  it('keeps telling the others when one person’s platform fails', async () => {
    const world = createWorld(kit, { script: [running, completed()], schedule: { maxFinalAttempts: 1 } });
    const { watcher } = await world.start();
    const broken = world.channel('broken', {
      progressFails: true,
      onResult: () => Promise.reject(new Error('platform down')),
      onError: () => Promise.reject(new Error('platform down')),
    });
    const healthy = world.channel('ok');
    await Promise.all([
      watcher.watch(key('job'), world.asker(broken)),
      watcher.watch(key('job'), world.asker(healthy)),
    ]);
    await world.ended(key('job'));
    expect(healthy.seen).toEqual(['progress:running', 'result']);
    expect(broken.seen).toEqual([]);
  });

  it('refuses a new watch past the per-workspace cap, but lets people join a watched job', async () => {
    const world = createWorld(kit, {
      script: [running],
      timeoutMs: 1e12,
      limits: { maxWatchesPerWorkspace: 2 },
    });
    const { watcher, state } = await world.start();
    await watcher.watch(key('a', 'ws:1'), world.asker(world.channel('1')));
    await watcher.watch(key('b', 'ws:1'), world.asker(world.channel('2')));
    const refused = await watcher
      .watch(key('c', 'ws:1'), world.asker(world.channel('3')))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyWatchesError);
    expect(refused).toMatchObject({ scope: 'workspace', limit: 2 });
    await watcher.watch(key('a', 'ws:1'), world.asker(world.channel('4')));
    await watcher.watch(key('c', 'ws:2'), world.asker(world.channel('5')));
    expect((await state.list()).map((watch) => `${watch.workspace}/${watch.jobId}`).sort()).toEqual([
      'ws:1/a',
      'ws:1/b',
      'ws:2/c',
    ]);
    expect((await state.askers(key('a', 'ws:1'))).map((asker) => asker.address)).toEqual(
      expect.arrayContaining([{ channel: '1' }, { channel: '4' }]),
    );
    expect(await state.askers(key('c', 'ws:1'))).toEqual([]);
  });

  it('refuses a new watch past the overall cap', async () => {
    const world = createWorld(kit, { script: [running], timeoutMs: 1e12, limits: { maxWatchesTotal: 1 } });
    const { watcher, state } = await world.start();
    await watcher.watch(key('a', 'ws:1'), world.asker(world.channel('1')));
    const refused = await watcher
      .watch(key('b', 'ws:2'), world.asker(world.channel('2')))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyWatchesError);
    expect(refused).toMatchObject({ scope: 'bot', limit: 1 });
    expect((await state.list()).map((watch) => watch.jobId)).toEqual(['a']);
  });

  it('posts at most the per-job image cap and counts the rest', async () => {
    const world = createWorld(kit, { script: [completed(3)], limits: { maxImagesPerJob: 2 } });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('many'), world.asker(a));
    await world.ended(key('many'));
    expect(a.results[0]?.images.files).toHaveLength(2);
    expect(a.results[0]?.images.omitted).toBe(1);
    expect(a.results[0]?.text).toContain('1 more image was not posted: the bot posts at most 2 per job.');
  });

  it('tells a late joiner where the job stands at once', async () => {
    const world = createWorld(kit, { script: [running], timeoutMs: 1e12 });
    const { watcher } = await world.start();
    const first = world.channel('first');
    await watcher.watch(key('late'), world.asker(first));
    await world.until(() => first.seen.length === 1, 'the first person heard the job running');
    const late = world.channel('late');
    await watcher.watch(key('late'), world.asker(late));
    expect(late.seen).toEqual(['progress:running']);
    expect(late.progress[0]?.elapsedMs).toBe(0);
  });

  it('tells a person who joins while a turn tells everyone the new state only once', async () => {
    const watched = key('joining');
    let joinLate: ((state: WatchState) => Promise<void>) | undefined;
    const world = createWorld(kit, {
      script: [running],
      timeoutMs: 1e12,
      // The late person's join lands right after a turn stored the new state, before it reads who waits.
      wrapState: (state) => ({
        ...state,
        async setLastStatus(at, status) {
          await state.setLastStatus(at, status);
          const join = joinLate;
          joinLate = undefined;
          await join?.(state);
        },
      }),
    });
    const { watcher } = await world.start();
    const first = world.channel('first');
    const late = world.channel('late', { progressTakesMs: 50 });
    let lateWatch: Promise<void> | undefined;
    joinLate = async (state) => {
      lateWatch = watcher.watch(watched, world.asker(late));
      // Long enough for the join to be stored, not for the slow platform to take the message.
      await world.until(async () => (await state.askers(watched)).length === 2, 'the late person is stored');
    };
    await watcher.watch(watched, world.asker(first));
    await world.until(
      () => first.seen.length === 1 && lateWatch !== undefined,
      'the first person heard the state',
    );
    await lateWatch;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(first.seen).toEqual(['progress:running']);
    expect(late.seen).toEqual(['progress:running']);
  });
});

describe('job watcher on the in-process engine (fake clock: the default curve in instant time)', () => {
  it('checks at once, at 3 s, then every 2 s, each at most a quarter of its wait late', async () => {
    const world = createWorld(inProcessKit, { script: [running], timeoutMs: 30_000 });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('stuck'), world.asker(a));
    await world.ended(key('stuck'));
    const startedAt = world.client.calls[0]?.at ?? 0;
    const offsets = world.client.calls.map((call) => call.at - startedAt);
    const planned = [0, 3_000, 4_000, 6_000, 8_000, 10_000, 12_000, 14_000];
    planned.forEach((instant, index) => {
      const previous = planned[index - 1] ?? 0;
      expect(offsets[index]).toBeGreaterThanOrEqual(instant);
      expect(offsets[index]).toBeLessThanOrEqual(instant + (instant - previous) / 4);
    });
    // 30 s of watching is within the budget of T/2 + 2 checks, not the 60 a fixed 500 ms poller would make.
    expect(world.client.calls.length).toBeLessThanOrEqual(30 / 2 + 2);
    expect(a.errors[0]).toMatch(/^⌛ I stopped watching job `stuck` after 1 min/);
  });
});

describe('job watcher with a webhook expected (in-process, fake clock)', () => {
  it('checks at once, then only every 10 s as a fallback for a webhook that never comes', async () => {
    const world = createWorld(inProcessKit, { script: [queued, running, running, completed()] });
    const { watcher } = await world.start();
    const a = world.channel('a');
    await watcher.watch(key('job-hooked'), world.asker(a), { webhookExpected: true });
    await world.ended(key('job-hooked'));
    const times = world.client.calls.map((call) => call.at - (world.client.calls[0]?.at ?? 0));
    expect(times).toEqual([0, 10_000, 20_000, 30_000]);
    expect(a.seen).toEqual(['progress:queued', 'progress:running', 'result']);
  });

  it('a webhook during a running check is not lost: the next check follows at once', async () => {
    let hurry: () => void = () => {};
    const world = createWorld(inProcessKit, {
      script: (check) => {
        // The webhook comes while the first check is in flight (it saw the job just before it ended).
        if (check === 0) hurry();
        return check === 0 ? running : completed();
      },
    });
    const { watcher } = await world.start();
    hurry = () => void watcher.hurry(key('job-raced'));
    await watcher.watch(key('job-raced'), world.asker(world.channel('a')), { webhookExpected: true });
    await world.ended(key('job-raced'));
    const times = world.client.calls.map((call) => call.at - (world.client.calls[0]?.at ?? 0));
    expect(times).toEqual([0, 0]);
  });

  it('is not hurried when the job is not watched', async () => {
    const world = createWorld(inProcessKit, { script: [completed()] });
    const { watcher } = await world.start();
    expect(await watcher.hurry(key('job-unwatched'))).toBe(false);
  });
});
