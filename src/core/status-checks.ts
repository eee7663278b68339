/**
 * One status check of one watch: the timeout, the workspace's key, the API call, and what its answer means.
 * Transient failures after the first check are ridden out, within limits; the end of the job (images, a
 * failure, a refusal, the timeout) is handed to `finish`.
 */
import {
  isTransient,
  JobFailedError,
  JobTimedOutError,
  NetworkError,
  NoApiKeyError,
  SkidioBotError,
  UpstreamUnavailableError,
} from './errors.js';
import { isFinal, type JobStatus } from './job-status.js';
import type { Clock, Logger } from './ports.js';
import type { JobWatcherOptions, PollSchedule, WatchEvent, WatchLimits } from './watch-types.js';

/** The parts of a watch a check reads and updates. */
export interface CheckedWatch {
  readonly workspace: string;
  readonly jobId: string;
  readonly startedAt: number;
  lastStatus: JobStatus | undefined;
  checks: number;
  failuresInRow: number;
}

/** What the checks need. */
export interface StatusCheckDeps<W extends CheckedWatch>
  extends Pick<JobWatcherOptions, 'client' | 'images' | 'apiKeyFor' | 'timeoutMs'> {
  clock: Clock;
  logger: Logger;
  schedule: PollSchedule;
  limits: WatchLimits;
  /** Aborted when the watcher stops: calls in flight end, and the watch is left for the next start. */
  stopping: AbortSignal;
  /** Tells every subscriber a progress event. */
  notify(watch: W, build: (elapsedMs: number) => WatchEvent): Promise<void>;
  /** Ends the watch with its final event. */
  finish(watch: W, build: (elapsedMs: number) => WatchEvent): Promise<void>;
}

/** Builds `checkOnce`. */
export function createStatusChecks<W extends CheckedWatch>(deps: StatusCheckDeps<W>) {
  const { clock, logger, schedule, limits, stopping } = deps;

  const end = (watch: W, error: SkidioBotError) =>
    deps.finish(watch, (elapsedMs) => ({ kind: 'ended', error, elapsedMs }));

  /** Handles one status answer; true when the watch is over. */
  async function onStatus(watch: W, status: JobStatus, apiKey: string): Promise<boolean> {
    const changed = watch.lastStatus?.state !== status.state;
    watch.lastStatus = status;
    if (!isFinal(status)) {
      if (changed) await deps.notify(watch, (elapsedMs) => ({ kind: 'progress', status, elapsedMs }));
      return false;
    }
    if (status.state === 'completed') {
      const sources = status.images.slice(0, limits.maxImagesPerJob);
      const resolved = await deps.images.resolve(watch.jobId, sources, stopping);
      const omitted = status.images.length - sources.length;
      const images = omitted > 0 ? { ...resolved, omitted } : resolved;
      await deps.finish(watch, (elapsedMs) => ({ kind: 'completed', images, elapsedMs }));
      return true;
    }
    const reason = status.state === 'failed' ? status.reason.replaceAll(apiKey, '••••') : status.state;
    await end(watch, new JobFailedError(watch.jobId, reason, status.state));
    return true;
  }

  /** Asks the API once; true when the watch is over (or the watcher stopped). Never rejects. */
  async function ask(watch: W): Promise<boolean> {
    const signal = stopping;
    try {
      const apiKey = await deps.apiKeyFor(watch.workspace);
      if (apiKey === undefined) {
        await end(watch, new NoApiKeyError('no Skidio API key is set for this workspace'));
        return true;
      }
      const answer = await deps.client.status(watch.jobId, apiKey, { signal });
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
        // A refused or cut connection is no answer from the API: say which it was.
        const ended =
          error instanceof NetworkError
            ? 'watch ended: the Skidio API could not be reached'
            : 'watch ended by an API answer';
        log.info({ code, checks: watch.checks, reason: error.message }, ended);
        await end(watch, error);
      } else {
        log.error({ err: error, checks: watch.checks }, 'watch ended by an unexpected error');
        await end(watch, new UpstreamUnavailableError(0, '', undefined, { cause: error }));
      }
      return true;
    }
  }

  /** One check: the timeout first, then the API. True when the watch is over. Never rejects. */
  async function checkOnce(watch: W): Promise<boolean> {
    try {
      const waitedMs = clock.now() - watch.startedAt;
      // Every process checks at least once: a job that finished while the bot was down gets its images
      // posted, not a timeout, however long the restart took.
      if (watch.checks > 0 && waitedMs >= deps.timeoutMs) {
        await end(watch, new JobTimedOutError(watch.jobId, waitedMs));
        return true;
      }
      watch.checks++;
      return await ask(watch);
    } catch (error) {
      logger.error({ err: error, jobId: watch.jobId }, 'job watch stopped unexpectedly');
      await end(watch, new UpstreamUnavailableError(0, '', undefined, { cause: error }));
      return true;
    }
  }

  return { checkOnce };
}
