/**
 * Watches Skidio jobs until they end. However many people ask about one job in one workspace, there is one
 * upstream poll loop; each of them hears every status change and the end once. The first check runs at once,
 * later ones back off (750 ms ×1.5 up to 5 s, ±25% jitter) and the watch gives up after the configured timeout.
 * Every watch is recorded in the store so a restarted process can resume it.
 */
import {
  isTransient,
  JobFailedError,
  JobTimedOutError,
  NoApiKeyError,
  SkidioBotError,
  TooManyWatchesError,
  UpstreamUnavailableError,
} from './errors.js';
import type { ImageFetcher, ResolvedImages } from './images.js';
import { isFinal, type JobStatus } from './job-status.js';
import { createPollScheduler } from './poll-scheduler.js';
import { type Clock, type Logger, silentLogger, systemClock, type WorkspaceId } from './ports.js';
import { jitter } from './retry.js';
import type { SkidioClient } from './skidio-client.js';
import type { StoredSubscriber, StoredWatch, WatchRegistry } from './watch-registry.js';

/** What a subscriber hears. `elapsedMs` counts from when that subscriber asked. */
export type WatchEvent =
  | {
      kind: 'progress';
      status: Extract<JobStatus, { state: 'queued' | 'running' | 'unknown' }>;
      elapsedMs: number;
    }
  | { kind: 'completed'; images: ResolvedImages; elapsedMs: number }
  | { kind: 'ended'; error: SkidioBotError; elapsedMs: number };

/** Someone waiting on a job. `delivery` is stored so that an adapter can reach them again after a restart. */
export interface WatchSubscriber {
  id: string;
  requesterId: string;
  delivery: unknown;
  onEvent(event: WatchEvent): Promise<void>;
}

/** The polling curve. */
export interface PollSchedule {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  jitter: number;
  /** Transient failures in a row (after the first check) before the watch ends. */
  maxConsecutiveFailures: number;
  /** Status checks in flight at once, across all watches; the rest wait their turn. */
  maxConcurrentChecks: number;
}

export const defaultPollSchedule: PollSchedule = {
  initialDelayMs: 750,
  multiplier: 1.5,
  maxDelayMs: 5_000,
  jitter: 0.25,
  maxConsecutiveFailures: 5,
  maxConcurrentChecks: 32,
};

/** Caps that keep one workspace (or a flood) from taking the whole bot. */
export interface WatchLimits {
  maxWatchesPerWorkspace: number;
  maxWatchesTotal: number;
  /** Images posted per job; the rest are counted in `ResolvedImages.omitted`. */
  maxImagesPerJob: number;
}

export const defaultWatchLimits: WatchLimits = {
  maxWatchesPerWorkspace: 100,
  maxWatchesTotal: 20_000,
  maxImagesPerJob: 20,
};

/** What the watcher needs. */
export interface JobWatcherOptions {
  client: SkidioClient;
  images: ImageFetcher;
  /** The workspace's API key at the time of each poll, so a key changed mid-watch is used at once. */
  apiKeyFor(workspace: WorkspaceId): Promise<string | undefined>;
  registry?: WatchRegistry;
  timeoutMs: number;
  limits?: Partial<WatchLimits>;
  schedule?: Partial<PollSchedule>;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
}

/** The watcher's surface. */
export interface JobWatcher {
  /**
   * Subscribes to a job; resolves once the subscriber has heard the end. Rejects only with
   * `TooManyWatchesError`, before subscribing, when a new watch would pass a cap (joining one never does).
   */
  watch(workspace: WorkspaceId, jobId: string, subscriber: WatchSubscriber): Promise<void>;
  /** Resumes stored watches; `restore` rebuilds a subscriber from its stored form (or skips it). */
  resume(
    restore: (stored: StoredSubscriber, watch: StoredWatch) => WatchSubscriber | undefined,
  ): Promise<number>;
  /** Number of jobs being polled. */
  activeCount(): number;
  /** Waits until every watch has ended. */
  idle(): Promise<void>;
  /** Stops polling without forgetting: stored watches stay for the next start. */
  stop(): Promise<void>;
}

interface SubscriberEntry {
  subscriber: WatchSubscriber;
  joinedAt: number;
  /** The last progress state this subscriber heard, so nobody hears the same state twice. */
  heard: JobStatus['state'] | undefined;
}

interface ActiveWatch {
  workspace: WorkspaceId;
  jobId: string;
  startedAt: number;
  subscribers: Map<string, SubscriberEntry>;
  lastStatus: JobStatus | undefined;
  /** The wait before the next check, growing after each one. */
  delayMs: number;
  checks: number;
  failuresInRow: number;
  /** Resolves when the watch has ended (or the watcher stopped); `settle` resolves it. */
  done: Promise<void>;
  settle(): void;
}

/** Builds a watcher. */
export function createJobWatcher(options: JobWatcherOptions): JobWatcher {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const schedule: PollSchedule = { ...defaultPollSchedule, ...options.schedule };
  const limits: WatchLimits = { ...defaultWatchLimits, ...options.limits };
  const active = new Map<string, ActiveWatch>();
  const perWorkspace = new Map<WorkspaceId, number>();
  // One abort for everything in flight: watches only stop individually by finishing.
  const stopping = new AbortController();
  const scheduler = createPollScheduler<ActiveWatch>({
    clock,
    maxConcurrent: schedule.maxConcurrentChecks,
    run: (watch) => check(watch),
  });

  const keyOf = (workspace: WorkspaceId, jobId: string) => `${workspace}\u0000${jobId}`;

  async function persist(watch: ActiveWatch): Promise<void> {
    if (!options.registry) return;
    const stored: StoredWatch = {
      workspace: watch.workspace,
      jobId: watch.jobId,
      startedAt: watch.startedAt,
      subscribers: [...watch.subscribers.values()].map(({ subscriber, joinedAt }) => ({
        id: subscriber.id,
        requesterId: subscriber.requesterId,
        joinedAt,
        delivery: subscriber.delivery,
      })),
    };
    await options.registry.save(stored).catch((error: unknown) => {
      logger.warn(
        { err: error, jobId: watch.jobId, workspace: watch.workspace },
        'could not record a watch in the store',
      );
    });
  }

  async function notify(watch: ActiveWatch, build: (elapsedMs: number) => WatchEvent): Promise<void> {
    const now = clock.now();
    await Promise.all(
      [...watch.subscribers.values()].map((entry) => deliver(watch, entry, build(now - entry.joinedAt))),
    );
  }

  async function deliver(watch: ActiveWatch, entry: SubscriberEntry, event: WatchEvent): Promise<void> {
    const { subscriber } = entry;
    if (event.kind === 'progress') {
      if (entry.heard === event.status.state) return;
      entry.heard = event.status.state;
    }
    try {
      await subscriber.onEvent(event);
    } catch (error) {
      logger.error(
        { err: error, jobId: watch.jobId, subscriber: subscriber.id },
        'a subscriber failed to take a job event',
      );
    }
  }

  /** One status check of one watch; schedules the next unless the watch ended. */
  async function check(watch: ActiveWatch): Promise<void> {
    const signal = stopping.signal;
    if (signal.aborted) return;
    try {
      const waitedMs = clock.now() - watch.startedAt;
      if (waitedMs >= options.timeoutMs) {
        await end(watch, new JobTimedOutError(watch.jobId, waitedMs));
        return;
      }
      watch.checks++;
      if (await checkOnce(watch, signal)) return;
    } catch (error) {
      logger.error({ err: error, jobId: watch.jobId }, 'job watch stopped unexpectedly');
      await end(watch, new UpstreamUnavailableError(0, '', undefined, { cause: error }));
      return;
    }
    if (signal.aborted) return;
    const remainingMs = options.timeoutMs - (clock.now() - watch.startedAt);
    const waitMs = Math.max(0, Math.min(jitter(watch.delayMs, schedule.jitter, random), remainingMs));
    watch.delayMs = Math.min(schedule.maxDelayMs, watch.delayMs * schedule.multiplier);
    scheduler.schedule(watch, clock.now() + waitMs);
  }

  /** Asks the API once; true when the watch is over. Transient failures are ridden out, within limits. */
  async function checkOnce(watch: ActiveWatch, signal: AbortSignal): Promise<boolean> {
    try {
      const apiKey = await options.apiKeyFor(watch.workspace);
      if (apiKey === undefined) {
        await end(watch, new NoApiKeyError('no Skidio API key is set for this workspace'));
        return true;
      }
      const answer = await options.client.status(watch.jobId, apiKey, { signal });
      watch.failuresInRow = 0;
      return await onStatus(watch, answer.status, apiKey);
    } catch (error) {
      if (signal.aborted) return true;
      const log = logger.child({ workspace: watch.workspace, jobId: watch.jobId });
      const code = error instanceof SkidioBotError ? error.code : 'unexpected';
      const giveUp =
        !isTransient(error) || watch.checks === 1 || ++watch.failuresInRow >= schedule.maxConsecutiveFailures;
      if (!giveUp) {
        log.warn({ code, failuresInRow: watch.failuresInRow }, 'status check failed; will try again');
        return false;
      }
      if (error instanceof SkidioBotError) {
        log.info({ code, checks: watch.checks, reason: error.message }, 'watch ended by an API answer');
        await end(watch, error);
      } else {
        log.error({ err: error, checks: watch.checks }, 'watch ended by an unexpected error');
        await end(watch, new UpstreamUnavailableError(0, '', undefined, { cause: error }));
      }
      return true;
    }
  }

  /** Handles one status answer; true when the watch is over. */
  async function onStatus(watch: ActiveWatch, status: JobStatus, apiKey: string): Promise<boolean> {
    const changed = watch.lastStatus?.state !== status.state;
    watch.lastStatus = status;
    if (!isFinal(status)) {
      if (changed) await notify(watch, (elapsedMs) => ({ kind: 'progress', status, elapsedMs }));
      return false;
    }
    if (status.state === 'completed') {
      const sources = status.images.slice(0, limits.maxImagesPerJob);
      const resolved = await options.images.resolve(watch.jobId, sources, stopping.signal);
      const omitted = status.images.length - sources.length;
      const images = omitted > 0 ? { ...resolved, omitted } : resolved;
      await finish(watch, (elapsedMs) => ({ kind: 'completed', images, elapsedMs }));
      return true;
    }
    const reason = status.state === 'failed' ? status.reason.replaceAll(apiKey, '••••') : status.state;
    await end(watch, new JobFailedError(watch.jobId, reason, status.state));
    return true;
  }

  async function end(watch: ActiveWatch, error: SkidioBotError): Promise<void> {
    await finish(watch, (elapsedMs) => ({ kind: 'ended', error, elapsedMs }));
  }

  async function finish(watch: ActiveWatch, build: (elapsedMs: number) => WatchEvent): Promise<void> {
    // Leave the coalescing map first: whoever asks from now on starts a fresh check.
    forget(watch);
    await notify(watch, build);
    await options.registry?.remove(watch.workspace, watch.jobId).catch((error: unknown) => {
      logger.warn({ err: error, jobId: watch.jobId }, 'could not remove a finished watch from the store');
    });
    watch.settle();
  }

  function forget(watch: ActiveWatch): void {
    if (active.get(keyOf(watch.workspace, watch.jobId)) !== watch) return;
    active.delete(keyOf(watch.workspace, watch.jobId));
    const count = (perWorkspace.get(watch.workspace) ?? 1) - 1;
    if (count > 0) perWorkspace.set(watch.workspace, count);
    else perWorkspace.delete(watch.workspace);
  }

  function start(workspace: WorkspaceId, jobId: string, startedAt: number): ActiveWatch {
    let settle = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const watch: ActiveWatch = {
      workspace,
      jobId,
      startedAt,
      subscribers: new Map(),
      lastStatus: undefined,
      delayMs: schedule.initialDelayMs,
      checks: 0,
      failuresInRow: 0,
      done,
      settle,
    };
    active.set(keyOf(workspace, jobId), watch);
    perWorkspace.set(workspace, (perWorkspace.get(workspace) ?? 0) + 1);
    scheduler.schedule(watch, clock.now());
    return watch;
  }

  async function subscribe(watch: ActiveWatch, subscriber: WatchSubscriber, joinedAt: number): Promise<void> {
    const entry: SubscriberEntry = { subscriber, joinedAt, heard: undefined };
    watch.subscribers.set(subscriber.id, entry);
    await persist(watch);
    const last = watch.lastStatus;
    // A late joiner hears where the job stands now rather than waiting for the next change.
    if (last && !isFinal(last) && watch.subscribers.has(subscriber.id)) {
      await deliver(watch, entry, { kind: 'progress', status: last, elapsedMs: clock.now() - joinedAt });
    }
  }

  return {
    async watch(workspace, jobId, subscriber) {
      const existing = active.get(keyOf(workspace, jobId));
      if (!existing) {
        if (active.size >= limits.maxWatchesTotal)
          throw new TooManyWatchesError('bot', limits.maxWatchesTotal);
        if ((perWorkspace.get(workspace) ?? 0) >= limits.maxWatchesPerWorkspace) {
          throw new TooManyWatchesError('workspace', limits.maxWatchesPerWorkspace);
        }
      }
      const watch = existing ?? start(workspace, jobId, clock.now());
      await subscribe(watch, subscriber, clock.now());
      await watch.done;
    },
    async resume(restore) {
      const stored = options.registry ? await options.registry.list() : [];
      let resumed = 0;
      for (const record of stored) {
        const subscribers = record.subscribers
          .map((entry) => ({ entry, subscriber: restore(entry, record) }))
          .filter(
            (pair): pair is { entry: StoredSubscriber; subscriber: WatchSubscriber } =>
              pair.subscriber !== undefined,
          );
        if (subscribers.length === 0) {
          await options.registry?.remove(record.workspace, record.jobId);
          continue;
        }
        const watch =
          active.get(keyOf(record.workspace, record.jobId)) ??
          start(record.workspace, record.jobId, record.startedAt);
        for (const { entry, subscriber } of subscribers) {
          watch.subscribers.set(subscriber.id, { subscriber, joinedAt: entry.joinedAt, heard: undefined });
        }
        resumed++;
      }
      return resumed;
    },
    activeCount: () => active.size,
    async idle() {
      while (active.size > 0) await Promise.all([...active.values()].map((watch) => watch.done));
    },
    async stop() {
      stopping.abort(new Error('the bot is shutting down'));
      await scheduler.stop();
      for (const watch of [...active.values()]) {
        forget(watch);
        watch.settle();
      }
    },
  };
}
