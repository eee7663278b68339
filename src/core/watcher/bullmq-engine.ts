/**
 * The BullMQ engine: one queue job per watch, re-delayed after each turn (BullMQ's step-job pattern), so the
 * schedule lives in Redis. A worker's lock keeps a watch to one instance at a time, and the stalled-job check
 * hands a dead instance's watches to the others within about `lockDurationMs + 2 × stalledIntervalMs`.
 * Delivery is at least once: the watch state's per-asker claim keeps posts from repeating.
 */
import { type ConnectionOptions, DelayedError, Job, Queue, Worker } from 'bullmq';
import type { Logger } from '../ports.js';
import type { RunTurn, TurnOutcome, TurnState, WatchEngine } from './engine.js';

/** Options of `createBullMqEngine`. */
export interface BullMqEngineOptions {
  /** BullMQ's connection; it must have `maxRetriesPerRequest: null` (BullMQ's workers require it). */
  connection: ConnectionOptions;
  /** Redis key prefix of the queue (BullMQ's `prefix`). */
  prefix: string;
  queueName?: string;
  /** Turns run at once by this process. */
  concurrency: number;
  logger: Logger;
  /** How long a turn's lock lasts unless renewed; a dead worker's watch is taken over after about this. */
  lockDurationMs?: number;
  /** How often workers look for stalled (lock-lost) watches. */
  stalledIntervalMs?: number;
}

/** How long a hurry that found its watch's turn running is remembered for that turn's end. */
const HURRIED_TTL_MS = 120_000;

/** Wait before trying a watch again after its turn threw (a turn should never throw; losing the watch is worse). */
const RETRY_AFTER_THROW_MS = 5_000;

/**
 * The queue job id of a watch: one per (workspace, job, generation), so adding the same watch twice is a no-op
 * while the next watch of the same job is a new job. BullMQ ids must not contain ':' nor be all digits.
 */
export function watchJobId(state: Pick<TurnState, 'workspace' | 'jobId' | 'generation'>): string {
  const pair = Buffer.from(JSON.stringify([state.workspace, state.jobId])).toString('base64url');
  return `w-${pair}-${state.generation}`;
}

/** Builds the engine; it connects on the first `add` or `start`. */
export function createBullMqEngine(options: BullMqEngineOptions): WatchEngine {
  const { connection, prefix, concurrency, logger } = options;
  const queueName = options.queueName ?? 'watches';
  let queue: Queue<TurnState> | undefined;
  let worker: Worker<TurnState> | undefined;
  let stopping: Promise<void> | undefined;
  let running = 0;
  let idleWaiters: (() => void)[] = [];
  // Set by start(); the worker only exists after it, so this placeholder never runs a real watch.
  let run: RunTurn = async () => ({ next: 'done' });

  const queueOf = () => {
    if (queue) return queue;
    queue = new Queue<TurnState>(queueName, { connection, prefix });
    queue.on('error', (error) => logger.error({ err: error.message }, 'watch queue error'));
    return queue;
  };

  const settleIdle = () => {
    if (running > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  /** The Redis key that says a watch was hurried while its turn ran (any instance may have been told). */
  const hurriedKey = (jobId: string) => `${prefix}:${queueName}:hurried:${jobId}`;

  /** Forgets a hurry of this watch; true when there was one. */
  async function clearHurried(jobId: string | undefined): Promise<boolean> {
    if (jobId === undefined) return false;
    const client = await queueOf().getBackend().client;
    return (await client.del(hurriedKey(jobId))) > 0;
  }

  async function processTurn(job: Job<TurnState>, token: string | undefined): Promise<void> {
    running++;
    try {
      let outcome: TurnOutcome;
      try {
        outcome = await run(job.data);
      } catch (error) {
        const err = error instanceof Error ? error.message : String(error);
        logger.error({ job: job.id, err }, 'watch turn threw; trying it again later');
        outcome = { next: 'later', delayMs: RETRY_AFTER_THROW_MS, state: job.data };
      }
      if (outcome.next === 'done') {
        await clearHurried(job.id);
        return;
      }
      // Hurried while this turn ran (its check may have come just before the news): check again at once.
      const delayMs = (await clearHurried(job.id)) ? 0 : outcome.delayMs;
      await job.updateData(outcome.state);
      await job.moveToDelayed(Date.now() + delayMs, token);
      // Must follow moveToDelayed at once: it tells the worker the job is not finished (and keeps its lock valid).
      throw new DelayedError();
    } finally {
      running--;
      settleIdle();
    }
  }

  return {
    durable: true,
    async start(runTurn) {
      if (worker || stopping) return;
      run = runTurn;
      worker = new Worker<TurnState>(queueName, processTurn, {
        connection,
        prefix,
        concurrency,
        lockDuration: options.lockDurationMs ?? 10_000,
        stalledInterval: options.stalledIntervalMs ?? 5_000,
        // The stall counter survives every moveToDelayed, so this is a budget for a watch's whole life.
        maxStalledCount: 1_000,
      });
      worker.on('error', (error) => logger.error({ err: error.message }, 'watch worker error'));
      // 'failed' fires for every failed attempt, also those BullMQ will retry; only the last loses the watch.
      worker.on('failed', (job, error) => {
        const lost = !job || job.attemptsMade >= (job.opts.attempts ?? 1);
        const message = lost ? 'watch job failed for good; the watch is lost' : 'watch job failed; retrying';
        logger.error({ job: job?.id, err: error.message, attempts: job?.attemptsMade }, message);
      });
      await worker.waitUntilReady();
    },
    async add(state) {
      await queueOf().add('turn', state, {
        jobId: watchJobId(state),
        removeOnComplete: true,
        removeOnFail: true,
        // A safety net only: if re-delaying itself fails (Redis hiccup), BullMQ retries instead of dropping it.
        attempts: 1_000,
        backoff: { type: 'fixed', delay: RETRY_AFTER_THROW_MS },
      });
    },
    async hurry(watch) {
      const id = watchJobId(watch);
      const job = await Job.fromId<TurnState>(queueOf(), id);
      if (!job) return;
      if (!(await job.isDelayed())) {
        // Running on some instance (or about to): its turn reads this when it ends and checks again at once.
        const client = await queueOf().getBackend().client;
        await client.set(hurriedKey(id), '1', { PX: HURRIED_TTL_MS });
        return;
      }
      await job.promote().catch((error: unknown) => {
        // It started meanwhile (another instance took it): that turn checks the job anyway.
        logger.debug(
          { job: job.id, err: error instanceof Error ? error.message : String(error) },
          'hurry lost a race',
        );
      });
    },
    /** Turns running in this process right now (queued turns live in Redis, shared by every instance). */
    activeCount: () => running,
    /** Resolves when no turn of this process is running; delayed watches in Redis do not count. */
    idle() {
      if (running === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    stop(graceMs) {
      stopping ??= (async () => {
        if (worker) {
          // close() lets the turns in flight finish and leaves the other watches delayed in Redis.
          const closing = worker.close().then(
            () => true,
            (error: Error) => {
              logger.error({ err: error.message }, 'closing the watch worker failed');
              return true;
            },
          );
          let timer: NodeJS.Timeout | undefined;
          const timedOut = new Promise<false>((resolve) => {
            if (graceMs !== undefined) timer = setTimeout(() => resolve(false), graceMs);
          });
          const finished = await Promise.race([closing, timedOut]);
          clearTimeout(timer);
          if (!finished) {
            // The turn keeps its lock while this process lives; once it exits, another instance takes over.
            logger.warn({ running, graceMs }, 'watch turns still running at the end of the grace period');
          }
        }
        await queue?.close();
      })();
      return stopping;
    },
  };
}
