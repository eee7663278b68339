/**
 * The watcher's public shapes: a watched job's key, a person waiting on it as stored, what they hear, the
 * polling curve, the caps, and the watcher's surface. The implementation is in `job-watcher.ts` and `turn.ts`.
 */

import type { ResolvedImages } from '../images.js';
import type { JobStatus } from '../job-status.js';
import type { WorkspaceId } from '../ports.js';
import type { ReplySurface } from '../reply-surface.js';
import type { Submission } from '../submission.js';
import type { CadencePlanOptions } from './poll-plan.js';

/** One watched job: a job id is only meaningful with the workspace whose key asks about it. */
export interface WatchKey {
  readonly workspace: WorkspaceId;
  readonly jobId: string;
}

/** A job state a person can be told about while waiting. */
export type ProgressStatus = Extract<JobStatus, { state: 'queued' | 'running' | 'unknown' }>;

/** What a person hears. `elapsedMs` counts from when that person asked. */
export type WatchEvent =
  | { kind: 'progress'; status: ProgressStatus; elapsedMs: number }
  | { kind: 'completed'; images: ResolvedImages; elapsedMs: number }
  /** The job ended without images; `text` says why, in the person's words (built once, kept for retries). */
  | { kind: 'ended'; code: string; text: string; elapsedMs: number };

/**
 * Someone waiting on a job, as stored: one record per person, added and removed on its own, so whichever
 * instance runs the watch knows everyone to answer and where. `address` is the adapter's JSON address for
 * replies (credentials in it are sealed by the adapter); `platform` routes it back to that adapter.
 */
export interface StoredAsker {
  id: string;
  platform: string;
  requesterId: string;
  /** How the platform addresses the person in a channel message (`<@123>`, `<@U123>`). */
  mention: string;
  joinedAt: number;
  address: unknown;
  /** The last progress state this person was told, so nobody hears the same state twice. */
  heard?: ProgressStatus['state'];
  /** The person asked for a private reply: their result's buttons offer Share. */
  private?: boolean;
  /** What the person asked for (imagine's prompt and settings): shown under their result, reused by Again. */
  submission?: Submission;
  /** Final deliveries begun, by any instance and across restarts. */
  finalAttempts?: number;
}

/** A person starting or joining a watch: their stored form less what the watcher fills in. */
export interface NewAsker {
  platform: string;
  requesterId: string;
  mention: string;
  private?: boolean;
  /** Shown under this person's result: what they asked for (imagine). */
  submission?: Submission;
  /** The live reply surface of the command; its `delivery` is the stored address. */
  surface: ReplySurface;
}

/**
 * Rebuilds a reply surface from a stored asker (after a restart, or on another instance); undefined when no
 * configured platform can answer it. One router for all platforms: `bot.ts` builds it from the adapters.
 */
export type SurfaceFor = (asker: StoredAsker, key: WatchKey) => ReplySurface | undefined;

/** Where checks go (see poll-plan.ts), and how a final reply that failed is tried again. */
export interface PollSchedule extends CadencePlanOptions {
  /** Each wait is made longer by up to this fraction of itself, never shorter (see `delayToNextCheck`). */
  jitter: number;
  /** Transient failures in a row (after the first check) before the watch ends. */
  maxConsecutiveFailures: number;
  /** Status checks in flight at once in this process; the rest wait their turn. */
  maxConcurrentChecks: number;
  /** Wait before trying a failed final reply again; doubles with each attempt. */
  finalRetryDelayMs: number;
  /** Final deliveries begun per person, counted across restarts and instances, before the bot gives up. */
  maxFinalAttempts: number;
  /** While a webhook is expected, the fallback check interval (the webhook itself triggers a check at once). */
  webhookFallbackMs: number;
}

export const defaultPollSchedule: PollSchedule = {
  // Checks at 0, 3, 4, 6, 8 s…: a median delay of 1 s within T/2 + 2 requests for a T-second job (2 to 60 s).
  firstCheckMs: 3_000,
  cadenceMs: 2_000,
  lateAfterMs: 60_000,
  lateCadenceMs: 5_000,
  jitter: 0.25,
  maxConsecutiveFailures: 5,
  maxConcurrentChecks: 32,
  finalRetryDelayMs: 30_000,
  maxFinalAttempts: 5,
  webhookFallbackMs: 10_000,
};

/** Caps that keep one workspace (or a flood) from taking the whole bot; counted for the whole deployment. */
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

/** How a new watch checks its job. */
export interface WatchOptions {
  /**
   * The job was submitted with a webhook: checks fall back to every `webhookFallbackMs`, and the webhook's
   * arrival triggers one at once (see `JobWatcher.hurry`). Ignored when the job is already watched.
   */
  webhookExpected?: boolean;
}

/** The watcher's surface. */
export interface JobWatcher {
  /**
   * Records a person waiting on a job and starts the watch, or joins it when the job is already watched
   * (by any instance). Resolves once the person is stored: replies arrive on their surface, from whichever
   * instance runs the watch. Rejects with `TooManyWatchesError` when a new watch would pass a cap.
   */
  watch(key: WatchKey, asker: NewAsker, options?: WatchOptions): Promise<void>;
  /**
   * Runs the watch's next check now (a webhook said the job may have changed), on whichever instance holds
   * it. False when the job is not watched.
   */
  hurry(key: WatchKey): Promise<boolean>;
  /** Starts running watches: the stored ones too, on an engine that does not keep them itself. */
  start(): Promise<{ resumed: number }>;
  /**
   * Ends every watch of a workspace that removed the bot, silently, on every instance (the stored state is
   * shared); returns how many ended.
   */
  forgetWorkspace(workspace: WorkspaceId): Promise<number>;
  /** Jobs being watched by this process right now. */
  activeCount(): number;
  /** Resolves when this process has no watch left (the console waits for it at the end of input). */
  idle(): Promise<void>;
  /**
   * Stops taking turns: the turn in flight finishes (for at most `graceMs` when given), and every watch stays
   * stored for the next start or another instance. Calling it again returns the first call's promise.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}
