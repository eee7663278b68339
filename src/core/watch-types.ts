/**
 * The watcher's public shapes: what a subscriber hears, the polling curve, the caps, and the watcher's
 * surface. `job-watcher.ts` re-exports them; the implementation lives there.
 */
import type { SkidioBotError } from './errors.js';
import type { ImageFetcher, ResolvedImages } from './images.js';
import type { JobStatus } from './job-status.js';
import type { Clock, Logger, WorkspaceId } from './ports.js';
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

/**
 * Someone waiting on a job. `delivery` is stored so that an adapter can reach them again after a restart.
 * `onEvent` rejecting on the final event (`completed` or `ended`) means the reply did not reach the person:
 * the watcher keeps the subscriber in the store and tries again later. Rejections on progress are only logged.
 */
export interface WatchSubscriber {
  id: string;
  requesterId: string;
  delivery: unknown;
  onEvent(event: WatchEvent): Promise<void>;
}

/** The polling curve, and how a final reply that failed is tried again. */
export interface PollSchedule {
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  jitter: number;
  /** Transient failures in a row (after the first check) before the watch ends. */
  maxConsecutiveFailures: number;
  /** Status checks in flight at once, across all watches; the rest wait their turn. */
  maxConcurrentChecks: number;
  /** Wait before trying a failed final reply again; doubles with each attempt. */
  finalRetryDelayMs: number;
  /** Final deliveries begun per subscriber, counted across restarts, before the bot gives up on it. */
  maxFinalAttempts: number;
}

export const defaultPollSchedule: PollSchedule = {
  initialDelayMs: 750,
  multiplier: 1.5,
  maxDelayMs: 5_000,
  jitter: 0.25,
  maxConsecutiveFailures: 5,
  maxConcurrentChecks: 32,
  finalRetryDelayMs: 30_000,
  maxFinalAttempts: 5,
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
   * Subscribes to a job; resolves once the subscriber's final reply has been tried (a failed one is tried
   * again in the background). Rejects only with `TooManyWatchesError`, before subscribing, when a new watch
   * would pass a cap (joining one never does). After `stop()` it records the subscriber for the next start.
   */
  watch(workspace: WorkspaceId, jobId: string, subscriber: WatchSubscriber): Promise<void>;
  /** Resumes stored watches; `restore` rebuilds a subscriber from its stored form (or skips it). */
  resume(
    restore: (stored: StoredSubscriber, watch: StoredWatch) => WatchSubscriber | undefined,
  ): Promise<number>;
  /** Number of jobs being polled. */
  activeCount(): number;
  /** Waits until every watch has ended and its final replies have been tried once. */
  idle(): Promise<void>;
  /**
   * Stops polling without forgetting: stored watches stay for the next start. Replies already being posted
   * are awaited, for at most `graceMs` when given; their store records are written when they finish.
   * Calling it again returns the first call's promise.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}
