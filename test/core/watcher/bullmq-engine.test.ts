/**
 * The BullMQ engine against the real Redis: turns run and re-delay themselves, two engines on one queue never
 * run the same watch at once, stop() lets the turn in flight finish, and a dead worker's watch is taken over.
 * Each run uses its own BullMQ prefix and removes its keys afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/core/ports.js';
import { createBullMqEngine, watchJobId } from '../../../src/core/watcher/bullmq-engine.js';
import type { RunTurn, TurnState, WatchEngine } from '../../../src/core/watcher/engine.js';
import { REDIS_URL, shouldRunRedisTests } from '../../support/redis.js';

const redisUp = await shouldRunRedisTests();
const url = new URL(REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
const prefix = `skidio-test-${randomUUID()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger keeping what it was told, to assert on the operator's view. */
function recordingLogger(): Logger & { lines: { level: string; message: string | undefined }[] } {
  const lines: { level: string; message: string | undefined }[] = [];
  const at =
    (level: string) =>
    (_fields: object, message?: string): void => {
      lines.push({ level, message });
    };
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { ...logger, child: () => logger as unknown as Logger };
}

let queueCounter = 0;
const engines: WatchEngine[] = [];
function engine(queueName: string, overrides: { lockDurationMs?: number; stalledIntervalMs?: number } = {}) {
  const logger = recordingLogger();
  const made = createBullMqEngine({ connection, prefix, queueName, concurrency: 4, logger, ...overrides });
  engines.push(made);
  return Object.assign(made, { logger });
}
const watch = (jobId: string, generation = 1): TurnState => ({
  workspace: 'slack:E1:T1',
  jobId,
  startedAt: 1,
  generation,
  checks: 0,
  failuresInRow: 0,
  delayMs: 20,
});
async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

describe.runIf(redisUp)('BullMQ engine', () => {
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((made) => made.stop(2_000)));
  });
  afterAll(async () => {
    const redis = new Redis(REDIS_URL);
    const left = await redis.keys(`${prefix}*`);
    if (left.length > 0) await redis.del(...left);
    await redis.quit();
  });

  it('makes job ids BullMQ accepts and that tell watches apart', () => {
    const id = watchJobId(watch('a:b'));
    expect(id).not.toContain(':');
    expect(id).not.toMatch(/^\d+$/);
    expect(watchJobId({ workspace: 'slack:E1', jobId: 'T1:a:b', generation: 1 })).not.toBe(id);
    expect(watchJobId(watch('a:b', 2))).not.toBe(id);
  });

  it('runs turns and re-delays the watch with its new state until it is done', async () => {
    const queueName = `q${++queueCounter}`;
    const one = engine(queueName);
    const seen: number[] = [];
    const run: RunTurn = async (state) => {
      seen.push(state.checks);
      if (state.checks >= 3) return { next: 'done' };
      return { next: 'later', delayMs: 30, state: { ...state, checks: state.checks + 1 } };
    };
    await one.start(run);
    await one.add(watch('job-1'));
    await one.add(watch('job-1')); // the same watch again: one queue job
    await waitFor(() => seen.length >= 4, 5_000);
    await sleep(100);
    expect(seen).toEqual([0, 1, 2, 3]);
    await one.idle();
    expect(one.activeCount()).toBe(0);
    expect(one.logger.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('tries a turn that threw again later instead of losing the watch', async () => {
    const queueName = `q${++queueCounter}`;
    const one = engine(queueName);
    let calls = 0;
    await one.start(async () => {
      calls++;
      throw new Error('boom');
    });
    await one.add(watch('job-throws'));
    await waitFor(() => calls === 1, 5_000);
    await sleep(200);
    const queue = new Queue(queueName, { connection, prefix });
    expect(await queue.getJobState(watchJobId(watch('job-throws')))).toBe('delayed');
    await queue.close();
    expect(one.logger.lines.some((line) => line.message?.includes('trying it again later'))).toBe(true);
  });

  it('a hurry during a running turn makes the next check come at once, not after the planned wait', async () => {
    const queueName = `q${++queueCounter}`;
    const one = engine(queueName);
    const other = engine(queueName);
    let release: (() => void) | undefined;
    const turns: number[] = [];
    await one.start(async (state) => {
      turns.push(state.checks);
      if (state.checks === 0) await new Promise<void>((resolve) => (release = resolve));
      if (state.checks >= 1) return { next: 'done' };
      // Planned far away: only the hurry can bring the second turn within the test.
      return { next: 'later', delayMs: 600_000, state: { ...state, checks: 1 } };
    });
    await one.add(watch('job-hurried-running'));
    await waitFor(() => release !== undefined, 5_000);
    // The webhook reaches another instance while this one's turn runs.
    await other.hurry(watch('job-hurried-running'));
    release?.();
    await waitFor(() => turns.length === 2, 10_000);
    expect(turns).toEqual([0, 1]);
    await one.idle();
    const redis = new Redis(REDIS_URL);
    expect(await redis.keys(`${prefix}:${queueName}:hurried:*`)).toEqual([]);
    await redis.quit();
  });

  it('never runs the same watch in two engines at once', async () => {
    const queueName = `q${++queueCounter}`;
    const running = new Map<string, number>();
    const turns = new Map<string, number>();
    let overlaps = 0;
    const run: RunTurn = async (state) => {
      const now = (running.get(state.jobId) ?? 0) + 1;
      running.set(state.jobId, now);
      if (now > 1) overlaps++;
      turns.set(state.jobId, (turns.get(state.jobId) ?? 0) + 1);
      await sleep(15);
      running.set(state.jobId, (running.get(state.jobId) ?? 1) - 1);
      if (state.checks >= 4) return { next: 'done' };
      return { next: 'later', delayMs: 5, state: { ...state, checks: state.checks + 1 } };
    };
    const [one, two] = [engine(queueName), engine(queueName)];
    await Promise.all([one.start(run), two.start(run)]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).add(watch(`job-${i}`))));
    await waitFor(() => [...turns.values()].reduce((sum, n) => sum + n, 0) >= 40, 15_000);
    await Promise.all([one.idle(), two.idle()]);
    expect(overlaps).toBe(0);
    expect([...turns.values()]).toEqual(Array(8).fill(5));
    expect([...one.logger.lines, ...two.logger.lines].filter((line) => line.level === 'error')).toEqual([]);
  });

  it('stop() lets the turn in flight finish and leaves the watch delayed for the others', async () => {
    const queueName = `q${++queueCounter}`;
    const one = engine(queueName);
    let finished = false;
    await one.start(async (state) => {
      await sleep(300);
      finished = true;
      return { next: 'later', delayMs: 60_000, state: { ...state, checks: state.checks + 1 } };
    });
    await one.add(watch('job-stop'));
    await waitFor(() => one.activeCount() === 1, 5_000);
    await one.stop();
    expect(finished).toBe(true);
    const queue = new Queue(queueName, { connection, prefix });
    const job = await queue.getJob(watchJobId(watch('job-stop')));
    expect(await job?.getState()).toBe('delayed');
    expect(job?.data.checks).toBe(1);
    await queue.close();
  });

  it('stop(graceMs) gives up waiting on a turn that does not finish, and says so', async () => {
    const queueName = `q${++queueCounter}`;
    const one = engine(queueName);
    let release: () => void = () => {};
    await one.start(() => new Promise((resolve) => (release = () => resolve({ next: 'done' }))));
    await one.add(watch('job-hung'));
    await waitFor(() => one.activeCount() === 1, 5_000);
    const started = Date.now();
    await one.stop(200);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(one.logger.lines.some((line) => line.level === 'warn')).toBe(true);
    release(); // lets the worker's own close finish, so the test leaves no connection open
    await one.idle();
  });

  it("takes over a dead worker's watch once its lock expires", async () => {
    const queueName = `q${++queueCounter}`;
    const lockDuration = 1_000;
    let picked = false;
    // A worker that takes the watch and dies: force-closed, its lock is no longer renewed.
    const dead = new Worker(
      queueName,
      async () => {
        picked = true;
        await new Promise(() => {});
      },
      { connection, prefix, lockDuration, stalledInterval: 500, maxStalledCount: 1_000 },
    );
    const survivor = engine(queueName, { lockDurationMs: lockDuration, stalledIntervalMs: 500 });
    await survivor.add(watch('job-orphan'));
    await waitFor(() => picked, 5_000);
    await dead.close(true);
    const diedAt = Date.now();
    let takenOverAt = 0;
    await survivor.start(async () => {
      takenOverAt = Date.now();
      return { next: 'done' };
    });
    await waitFor(() => takenOverAt > 0, 6_000);
    expect(takenOverAt - diedAt).toBeLessThan(lockDuration + 2 * 500 + 1_500);
  });
});
