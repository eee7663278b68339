/**
 * Watches Skidio jobs until they end. However many people ask about one job in one workspace, and through
 * however many instances, there is one watch: its people are stored one by one in the watch state, and its
 * turns (see turn.ts) run on one engine: in-process for one process, BullMQ on Redis for several. Each person
 * hears every status change and the end once.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { BotRestartingError, TooManyWatchesError } from '../errors.js';
import type { ImageFetcher } from '../images.js';
import { type Clock, type Logger, silentLogger, systemClock, type WorkspaceId } from '../ports.js';
import type { ReplySurface } from '../reply-surface.js';
import type { ResultRecords } from '../results/result-records.js';
import type { SkidioClient } from '../skidio-client.js';
import { firstTurn, type RunTurn, type WatchEngine } from './engine.js';
import type { JobDurations } from './job-durations.js';
import { cadencePlan } from './poll-plan.js';
import { createPollPlanner } from './poll-planner.js';
import { createProgressOutbox } from './progress-outbox.js';
import { tell } from './replies.js';
import { createTurnRunner } from './turn.js';
import {
  defaultPollSchedule,
  defaultWatchLimits,
  type JobWatcher,
  type PollSchedule,
  type StoredAsker,
  type SurfaceFor,
  type WatchKey,
  type WatchLimits,
} from './types.js';
import type { WatchState } from './watch-state.js';

/** What the watcher needs. */
export interface JobWatcherOptions {
  client: SkidioClient;
  images: ImageFetcher;
  /** The workspace's API key at the time of each check, so a key changed mid-watch is used at once. */
  apiKeyFor(workspace: WorkspaceId): Promise<string | undefined>;
  state: WatchState;
  engine: WatchEngine;
  timeoutMs: number;
  limits?: Partial<WatchLimits>;
  schedule?: Partial<PollSchedule>;
  /** Where job durations are learned; without it, every watch polls on the default plan. */
  durations?: JobDurations;
  clock?: Clock;
  random?: () => number;
  logger?: Logger;
  /** Resolves when no command waits for its ack: every turn starts after those (see ack-first.ts). */
  yieldToAcks?: () => Promise<void>;
  /** Records results for their buttons (Again, Share, Details, Delete); without it results carry none. */
  results?: ResultRecords;
}

/** A live surface is dropped this long after its person asked, in case another instance answered them. */
const LIVE_SURFACE_SLACK_MS = 60 * 60_000;

/** How long a stop waits for progress edits already handed to the outbox. */
const PROGRESS_DRAIN_MS = 2_000;

/** Builds a watcher; it takes no turn until `start`. */
export function createJobWatcher(options: JobWatcherOptions): JobWatcher & {
  /** Routes stored people back to their platform; set by `bot.ts` once the adapters exist. */
  route(surfaceFor: SurfaceFor): void;
} {
  const { state, engine } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const schedule: PollSchedule = { ...defaultPollSchedule, ...options.schedule };
  const limits: WatchLimits = { ...defaultWatchLimits, ...options.limits };
  const caps = { perWorkspace: limits.maxWatchesPerWorkspace, total: limits.maxWatchesTotal };
  const stopping = new AbortController();
  // Every check in flight listens on this one signal by design; Node's leak warning counts them as suspicious.
  setMaxListeners(0, stopping.signal);
  /** Surfaces this process holds: live ones of commands it took, and ones it rebuilt from the store. */
  const surfaces = new Map<string, { surface: ReplySurface; since: number }>();
  let surfaceFor: SurfaceFor = () => undefined;
  let stopped: Promise<void> | undefined;
  let lastPrune = clock.now();

  /**
   * The surface this process holds for `asker`, unless the stored address moved on (another instance posted
   * the progress message this one has not seen): then it is rebuilt from the stored address.
   */
  function surfaceOf(key: WatchKey, asker: StoredAsker): ReplySurface | undefined {
    const held = surfaces.get(asker.id);
    if (held && JSON.stringify(held.surface.delivery) === JSON.stringify(asker.address)) return held.surface;
    const rebuilt = surfaceFor(asker, key);
    if (rebuilt) surfaces.set(asker.id, { surface: rebuilt, since: held?.since ?? clock.now() });
    return rebuilt;
  }

  /** Drops surfaces of people another instance may have answered long ago. */
  function prune(now: number): void {
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    const oldest = now - options.timeoutMs - LIVE_SURFACE_SLACK_MS;
    for (const [id, held] of surfaces) if (held.since < oldest) surfaces.delete(id);
  }

  const outbox = createProgressOutbox(logger);
  const takeTurn = createTurnRunner({
    ...options,
    state,
    surfaceOf,
    forget: (asker) => surfaces.delete(asker.id),
    outbox,
    schedule,
    ...(options.durations
      ? {
          planner: createPollPlanner({
            durations: options.durations,
            fallback: cadencePlan(schedule),
            late: schedule,
            clock,
            logger,
          }),
        }
      : {}),
    limits,
    clock,
    random: options.random ?? Math.random,
    logger,
    stopping: stopping.signal,
  });
  const { yieldToAcks } = options;
  const runTurn: RunTurn = yieldToAcks
    ? async (turn) => {
        await yieldToAcks();
        return takeTurn(turn);
      }
    : takeTurn;

  return {
    route(router) {
      surfaceFor = router;
    },
    async watch(key, newAsker, watchOptions = {}) {
      if (stopped) throw new BotRestartingError('the bot is shutting down');
      const now = clock.now();
      prune(now);
      const { surface, ...who } = newAsker;
      const asker: StoredAsker = { id: randomUUID(), ...who, joinedAt: now, address: surface.delivery };
      surfaces.set(asker.id, { surface, since: now });
      const webhookExpected = watchOptions.webhookExpected === true;
      const outcome = await state.join(key, asker, caps, now, { webhookExpected }).catch((error: unknown) => {
        surfaces.delete(asker.id);
        throw error;
      });
      if (outcome.kind === 'full') {
        surfaces.delete(asker.id);
        throw new TooManyWatchesError(outcome.scope, outcome.limit);
      }
      surface.watching?.(key.jobId);
      if (outcome.kind === 'started') {
        await engine.add(firstTurn(outcome.watch, schedule.firstCheckMs, webhookExpected));
        return;
      }
      // A late joiner hears where the job stands now rather than waiting for the next change (the state
      // already counts it as heard, so no turn tells them again).
      const last = outcome.lastStatus;
      if (last) {
        await tell(surface, key, asker, { kind: 'progress', status: last, elapsedMs: 0 }, logger);
        await state.updateAsker(key, { ...asker, heard: last.state, address: surface.delivery });
      }
    },
    async start() {
      await engine.start(runTurn);
      // A durable engine ignores watches it already has; this adds only those a crash left without a turn.
      const stored = await state.list();
      for (const watch of stored) {
        await engine.add(firstTurn(watch, schedule.firstCheckMs, watch.webhookExpected === true));
      }
      return { resumed: stored.length };
    },
    async hurry(key) {
      if (stopped) return false;
      const watch = await state.get(key);
      if (!watch) return false;
      await engine.hurry(watch);
      return true;
    },
    forgetWorkspace: (workspace) => state.forgetWorkspace(workspace),
    activeCount: () => engine.activeCount(),
    async idle() {
      await engine.idle();
      await outbox.idle();
    },
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        // Turns in flight finish (a check is not cut off half-way, so no other instance repeats it at once);
        // what still runs after the grace period is aborted and left for the next start or another instance.
        await engine.stop(stopOptions.graceMs);
        // Progress edits already handed out go out too (the adapters are still connected at this point).
        const drained = new AbortController();
        await Promise.race([outbox.idle(), clock.sleep(PROGRESS_DRAIN_MS, drained.signal).catch(() => {})]);
        drained.abort();
        stopping.abort(new Error('the bot is shutting down'));
        await state.close();
      })();
      return stopped;
    },
  };
}
