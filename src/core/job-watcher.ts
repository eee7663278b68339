/**
 * Watches Skidio jobs until they end. However many people ask about one job in one workspace, there is one
 * upstream poll loop; each of them hears every status change and the end once. The first check runs at once,
 * later ones back off (750 ms ×1.5 up to 5 s, ±25% jitter) and the watch gives up after the configured timeout.
 * Every watch is recorded in the store before its first check, and each final reply is bracketed by store
 * writes (see final-replies.ts), so a restarted process resumes the watches and posts each result once.
 */
import { setMaxListeners } from 'node:events';
import { TooManyWatchesError } from './errors.js';
import { createFinalReplies } from './final-replies.js';
import { isFinal, type JobStatus } from './job-status.js';
import { createPollScheduler } from './poll-scheduler.js';
import { settlesWithin, silentLogger, systemClock, type WorkspaceId } from './ports.js';
import { jitter } from './retry.js';
import { createStatusChecks } from './status-checks.js';
import { newEntry, restoreEntries, type SubscriberEntry } from './subscriber-entries.js';
import { createWatchRecords, type RecordHolder } from './watch-records.js';
import {
  defaultPollSchedule,
  defaultWatchLimits,
  type JobWatcher,
  type JobWatcherOptions,
  type PollSchedule,
  type WatchEvent,
  type WatchLimits,
} from './watch-types.js';

export type {
  JobWatcher,
  JobWatcherOptions,
  PollSchedule,
  WatchEvent,
  WatchLimits,
  WatchSubscriber,
} from './watch-types.js';
export { defaultPollSchedule, defaultWatchLimits } from './watch-types.js';

/** A watched job: polled while in the coalescing map, then kept until its final replies are through. */
export interface ActiveWatch extends RecordHolder {
  subscribers: Map<string, SubscriberEntry>;
  lastStatus: JobStatus | undefined;
  /** The wait before the next check, growing after each one. */
  delayMs: number;
  checks: number;
  failuresInRow: number;
  /** The end, once known: kept so that a failed final reply can be tried again without asking the API. */
  final: ((elapsedMs: number) => WatchEvent) | undefined;
  /** Resolves when the first round of final replies is over (or the watcher stopped); `settle` resolves it. */
  done: Promise<void>;
  settle(): void;
}

/** Builds a watcher. */
export function createJobWatcher(options: JobWatcherOptions): JobWatcher {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const schedule: PollSchedule = { ...defaultPollSchedule, ...options.schedule };
  const limits: WatchLimits = { ...defaultWatchLimits, ...options.limits };
  const active = new Map<string, ActiveWatch>();
  /** Watches whose first round of final replies is under way: `idle()` and `stop()` wait for them too. */
  const ending = new Set<ActiveWatch>();
  /** Holders out of the coalescing map that are still owed final replies, by job: part of their record. */
  const leaving = new Map<string, RecordHolder[]>();
  const perWorkspace = new Map<WorkspaceId, number>();
  // One abort for everything in flight: watches only stop individually by finishing.
  const stopping = new AbortController();
  // Every check in flight listens on this one signal by design; Node's leak warning counts them as suspicious.
  setMaxListeners(0, stopping.signal);
  let stopped: Promise<void> | undefined;
  const records = createWatchRecords({
    registry: options.registry,
    clock,
    logger,
    holdersOf: (workspace, jobId) => {
      const key = keyOf(workspace, jobId);
      const polling = active.get(key);
      const others = leaving.get(key) ?? [];
      return polling ? [polling, ...others] : others;
    },
  });
  const scheduler = createPollScheduler<ActiveWatch>({
    clock,
    maxConcurrent: schedule.maxConcurrentChecks,
    run: (watch) => check(watch),
  });
  const replies = createFinalReplies<ActiveWatch>({
    records,
    schedule,
    clock,
    logger,
    stopping: stopping.signal,
    retryLater: (watch, delayMs) => scheduler.schedule(watch, clock.now() + delayMs),
    settled: (watch) => leave(watch, false),
  });
  const checks = createStatusChecks<ActiveWatch>({
    ...options,
    clock,
    logger,
    schedule,
    limits,
    stopping: stopping.signal,
    notify: (watch, build) => replies.notify(watch, build),
    finish,
  });

  const keyOf = (workspace: WorkspaceId, jobId: string) => `${workspace}\u0000${jobId}`;

  /** One turn of a watch in the scheduler: a status check, or another try of failed final replies. */
  async function check(watch: ActiveWatch): Promise<void> {
    if (stopping.signal.aborted) return;
    if (watch.final) {
      await replies.deliverFinal(watch);
      return;
    }
    if (await checks.checkOnce(watch)) return;
    if (stopping.signal.aborted) return;
    const remainingMs = options.timeoutMs - (clock.now() - watch.startedAt);
    const waitMs = Math.max(
      0,
      Math.min(jitter(watch.delayMs, schedule.jitter, options.random ?? Math.random), remainingMs),
    );
    watch.delayMs = Math.min(schedule.maxDelayMs, watch.delayMs * schedule.multiplier);
    scheduler.schedule(watch, clock.now() + waitMs);
  }

  async function finish(watch: ActiveWatch, build: (elapsedMs: number) => WatchEvent): Promise<void> {
    // Leave the coalescing map first: whoever asks from now on starts a fresh check.
    forget(watch);
    leave(watch, true);
    watch.final = build;
    ending.add(watch);
    await replies.deliverFinal(watch);
    ending.delete(watch);
    watch.settle();
  }

  /** Adds a holder to (or takes it from) the holders of its job outside the coalescing map. */
  function leave(holder: RecordHolder, owing: boolean): void {
    const key = keyOf(holder.workspace, holder.jobId);
    const others = (leaving.get(key) ?? []).filter((each) => each !== holder);
    if (owing) others.push(holder);
    if (others.length > 0) leaving.set(key, others);
    else leaving.delete(key);
  }

  function forget(watch: ActiveWatch): void {
    if (active.get(keyOf(watch.workspace, watch.jobId)) !== watch) return;
    active.delete(keyOf(watch.workspace, watch.jobId));
    const count = (perWorkspace.get(watch.workspace) ?? 1) - 1;
    if (count > 0) perWorkspace.set(watch.workspace, count);
    else perWorkspace.delete(watch.workspace);
  }

  /** Creates a watch and records it; the caller schedules its first check once its subscribers are stored. */
  function start(workspace: WorkspaceId, jobId: string, startedAt: number): ActiveWatch {
    let settle = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const subscribers = new Map<string, SubscriberEntry>();
    const watch: ActiveWatch = {
      workspace,
      jobId,
      startedAt,
      subscribers,
      lastStatus: undefined,
      delayMs: schedule.initialDelayMs,
      checks: 0,
      failuresInRow: 0,
      final: undefined,
      done,
      settle,
    };
    active.set(keyOf(workspace, jobId), watch);
    perWorkspace.set(workspace, (perWorkspace.get(workspace) ?? 0) + 1);
    return watch;
  }

  async function subscribe(watch: ActiveWatch, entry: SubscriberEntry): Promise<void> {
    watch.subscribers.set(entry.subscriber.id, entry);
    await records.write(watch.workspace, watch.jobId);
    const last = watch.lastStatus;
    // A late joiner hears where the job stands now rather than waiting for the next change.
    if (last && !isFinal(last) && watch.subscribers.has(entry.subscriber.id)) {
      await replies.deliver(watch, entry, {
        kind: 'progress',
        status: last,
        elapsedMs: clock.now() - entry.joinedAt,
      });
    }
  }

  /** Too late to poll in this process: record the subscriber so that the next start answers it. */
  async function recordForNextStart(
    workspace: WorkspaceId,
    jobId: string,
    entry: SubscriberEntry,
  ): Promise<void> {
    const subscribers = new Map([[entry.subscriber.id, entry]]);
    leave({ workspace, jobId, startedAt: entry.joinedAt, subscribers }, true);
    await records.write(workspace, jobId);
  }

  return {
    async watch(workspace, jobId, subscriber) {
      const entry = newEntry(subscriber, clock.now());
      if (stopping.signal.aborted) return recordForNextStart(workspace, jobId, entry);
      const existing = active.get(keyOf(workspace, jobId));
      if (!existing) {
        if (active.size >= limits.maxWatchesTotal)
          throw new TooManyWatchesError('bot', limits.maxWatchesTotal);
        if ((perWorkspace.get(workspace) ?? 0) >= limits.maxWatchesPerWorkspace) {
          throw new TooManyWatchesError('workspace', limits.maxWatchesPerWorkspace);
        }
      }
      const watch = existing ?? start(workspace, jobId, entry.joinedAt);
      await subscribe(watch, entry);
      if (!existing) scheduler.schedule(watch, clock.now());
      await watch.done;
    },
    async resume(restore) {
      const stored = options.registry ? await options.registry.list() : [];
      let resumed = 0;
      for (const record of stored) {
        const { entries: restored, dropped } = restoreEntries(record, restore, logger);
        const existing = active.get(keyOf(record.workspace, record.jobId));
        if (restored.length === 0) {
          // Nobody here can answer them: the record goes (a watch of the same job keeps its own subscribers).
          await records.write(record.workspace, record.jobId);
          continue;
        }
        const watch = existing ?? start(record.workspace, record.jobId, record.startedAt);
        for (const entry of restored) watch.subscribers.set(entry.subscriber.id, entry);
        // Rewrite when the record changed: subscribers dropped, or merged into a watch someone just started.
        if (dropped > 0 || existing) await records.write(record.workspace, record.jobId);
        if (!existing) scheduler.schedule(watch, clock.now());
        resumed++;
      }
      return resumed;
    },
    activeCount: () => active.size,
    async idle() {
      while (active.size > 0 || ending.size > 0) {
        await Promise.all([...active.values(), ...ending].map((watch) => watch.done));
      }
    },
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        stopping.abort(new Error('the bot is shutting down'));
        const settled = scheduler.stop();
        const finished =
          stopOptions.graceMs === undefined
            ? await settled.then(() => true)
            : await settlesWithin(settled, stopOptions.graceMs, clock);
        if (!finished) {
          logger.warn(
            { graceMs: stopOptions.graceMs },
            'replies still being posted at shutdown were left unfinished; their watches stay recorded',
          );
        }
        for (const watch of active.values()) {
          forget(watch);
          // Still owed its replies: later writes of its job (a reply finishing, a late subscriber) keep it.
          leave(watch, true);
          watch.settle();
        }
        for (const watch of ending) watch.settle();
      })();
      return stopped;
    },
  };
}
