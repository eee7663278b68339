/**
 * One turn of a watch, the whole life cycle in one place: the timeout, one status check with the workspace's
 * key, progress to whoever has not heard the new state, and at the end each person's final reply under a
 * claim, so that across instances and crashes each person gets each result once. A turn returns when the
 * next one is due; the engine (in-process or BullMQ) runs it then, on whichever instance holds the watch.
 */

import {
  BotBugError,
  isTransient,
  JobFailedError,
  JobTimedOutError,
  NetworkError,
  NoApiKeyError,
  SkidioBotError,
} from '../errors.js';
import type { ImageFetcher } from '../images.js';
import { isFinal, type JobStatus } from '../job-status.js';
import { errorText } from '../messages.js';
import type { Clock, Logger, WorkspaceId } from '../ports.js';
import type { ReplySurface } from '../reply-surface.js';
import { actionsFor } from '../results/result-actions.js';
import { type ResultRecords, resultRecordOf } from '../results/result-records.js';
import type { SkidioClient } from '../skidio-client.js';
import type { RunTurn, TurnOutcome, TurnState } from './engine.js';
import { readJobClock } from './job-clock.js';
import type { DurationKey } from './job-durations.js';
import { cadencePlan, delayToNextCheck } from './poll-plan.js';
import type { PollPlanner } from './poll-planner.js';
import type { ProgressOutbox } from './progress-outbox.js';
import { type ResultExtras, tell, tellGaveUp } from './replies.js';
import type {
  PollSchedule,
  ProgressStatus,
  StoredAsker,
  WatchEvent,
  WatchKey,
  WatchLimits,
} from './types.js';
import type { WatchState } from './watch-state.js';

/** How long one instance may take to post one person's final reply before another may try. */
export const CLAIM_TTL_MS = 120_000;
/** How soon to look again when another instance holds a claim (it is posting right now). */
const CLAIMED_ELSEWHERE_DELAY_MS = 5_000;

/** What a turn needs. */
export interface TurnDeps {
  client: SkidioClient;
  images: ImageFetcher;
  apiKeyFor(workspace: WorkspaceId): Promise<string | undefined>;
  state: WatchState;
  /** The person's reply surface: the live one in the process that took the command, else rebuilt. */
  surfaceOf(key: WatchKey, asker: StoredAsker): ReplySurface | undefined;
  /** This person is done with: drop whatever the process keeps for them. */
  forget(asker: StoredAsker): void;
  /** Where progress edits go, so that they never hold up the next check. */
  outbox: ProgressOutbox;
  timeoutMs: number;
  schedule: PollSchedule;
  /** Plans learned from the workspace's job durations; without it every watch uses the default plan. */
  planner?: PollPlanner;
  limits: WatchLimits;
  clock: Clock;
  random: () => number;
  logger: Logger;
  /** Aborted when the watcher stops: a turn in flight ends without deciding anything. */
  stopping: AbortSignal;
  /** Where results are recorded for their buttons; without it results carry none. */
  results?: ResultRecords;
}

/** A check's verdict: keep watching, or the end of the job (kept in the turn while replies are owed). */
type Verdict =
  | { kind: 'waiting'; status: ProgressStatus | undefined }
  | { kind: 'final'; ended: NonNullable<TurnState['ended']>; event: Final };
type Final = (elapsedMs: number) => WatchEvent;

/** A resumed watch whose last check is older than this checks once before its timeout applies. */
const STALE_CHECK_MS = 60_000;

/** Builds the turn runner the engines call. */
export function createTurnRunner(deps: TurnDeps): RunTurn {
  const { state, clock, schedule, logger } = deps;
  const defaultPlan = cadencePlan(schedule);

  /** The timeout, then one status check. Never rejects. */
  async function check(turn: TurnState): Promise<Verdict> {
    const now = clock.now();
    const waitedMs = now - turn.startedAt;
    // Every watch checks at least once after a pause (a restart, the bot down for a while): a job that finished
    // meanwhile gets its images, not a timeout. A completed job whose replies are owed never times out.
    const checkedLately = turn.checks > 0 && now - (turn.lastCheckAt ?? 0) < STALE_CHECK_MS;
    if (turn.ended?.kind !== 'completed' && checkedLately && waitedMs >= deps.timeoutMs) {
      return ended(turn, new JobTimedOutError(turn.jobId, waitedMs));
    }
    turn.checks++;
    turn.lastCheckAt = now;
    try {
      const apiKey = await deps.apiKeyFor(turn.workspace);
      if (apiKey === undefined) {
        return ended(turn, new NoApiKeyError('no Skidio API key is set for this workspace'));
      }
      const answer = await deps.client.status(turn.jobId, apiKey, { signal: deps.stopping });
      turn.failuresInRow = 0;
      const durationMs = readJobClock(turn, answer, now);
      if (durationMs !== undefined) await deps.planner?.learn(durationKeyOf(turn), durationMs);
      return await verdictOf(turn, answer.status, apiKey);
    } catch (error) {
      if (deps.stopping.aborted) return { kind: 'waiting', status: undefined };
      return failed(turn, error);
    }
  }

  async function verdictOf(key: WatchKey, status: JobStatus, apiKey: string): Promise<Verdict> {
    if (!isFinal(status)) return { kind: 'waiting', status };
    if (status.state === 'completed') {
      const sources = status.images.slice(0, deps.limits.maxImagesPerJob);
      const resolved = await deps.images.resolve(key.jobId, sources, deps.stopping);
      const omitted = status.images.length - sources.length;
      const images = omitted > 0 ? { ...resolved, omitted } : resolved;
      return {
        kind: 'final',
        ended: { kind: 'completed' },
        event: (elapsedMs) => ({ kind: 'completed', images, elapsedMs }),
      };
    }
    const reason = status.state === 'failed' ? status.reason.replaceAll(apiKey, '••••') : status.state;
    return ended(key, new JobFailedError(key.jobId, reason, status.state));
  }

  /** A check that threw: ridden out when it may pass, else the end of the watch. */
  function failed(turn: TurnState, error: unknown): Verdict {
    const log = logger.child({ workspace: turn.workspace, jobId: turn.jobId });
    const code = error instanceof SkidioBotError ? error.code : 'bot_bug';
    const giveUp =
      !isTransient(error) || turn.checks === 1 || ++turn.failuresInRow >= schedule.maxConsecutiveFailures;
    if (!giveUp) {
      log.warn({ code, failuresInRow: turn.failuresInRow }, 'status check failed; will try again');
      return { kind: 'waiting', status: undefined };
    }
    if (error instanceof SkidioBotError) {
      // A refused or cut connection is no answer from the API: the log line says which it was.
      const ending =
        error instanceof NetworkError
          ? 'watch ended: the Skidio API could not be reached'
          : 'watch ended by an API answer';
      log.info({ code, checks: turn.checks, reason: error.message }, ending);
      return ended(turn, error);
    }
    // A bug in the bot, not the API's fault: never retried, and people are told it is the bot's.
    log.error({ err: error, checks: turn.checks }, 'watch ended by a bug in the bot');
    return ended(turn, new BotBugError('the status check failed unexpectedly', { cause: error }));
  }

  /**
   * Tells everyone who has not heard `status` yet: the one place "same as before" is decided. The edits go
   * out through the outbox; the turn does not wait for them (a throttled edit must not delay every check).
   */
  async function progress(key: WatchKey, status: ProgressStatus): Promise<void> {
    await state.setLastStatus(key, status);
    const now = clock.now();
    const askers = await state.askers(key);
    for (const asker of askers) {
      if (asker.heard === status.state) continue;
      const surface = deps.surfaceOf(key, asker);
      if (!surface) continue;
      const event: WatchEvent = { kind: 'progress', status, elapsedMs: now - asker.joinedAt };
      deps.outbox.send(asker.id, async () => {
        await tell(surface, key, asker, event, logger);
        await state.updateAsker(key, { ...asker, heard: status.state, address: surface.delivery });
      });
    }
  }

  /** One person's final reply under a claim. */
  async function answer(
    key: WatchKey,
    asker: StoredAsker,
    final: Final,
  ): Promise<'done' | 'owed' | 'elsewhere'> {
    // The person's last progress edit lands before their final reply, never after it.
    await deps.outbox.settle(asker.id);
    if (!(await state.claim(key, asker.id, CLAIM_TTL_MS))) return 'elsewhere';
    const surface = deps.surfaceOf(key, asker);
    const attempts = (asker.finalAttempts ?? 0) + 1;
    if (!surface || attempts > schedule.maxFinalAttempts) {
      logger.error(
        { workspace: key.workspace, jobId: key.jobId, asker: asker.id, platform: asker.platform, attempts },
        surface
          ? 'gave up on a final reply after every attempt failed'
          : 'no configured platform can answer this person',
      );
      if (surface) await tellGaveUp(surface, key, attempts - 1, logger);
      return close(key, asker);
    }
    try {
      // Counted before posting: a reply that brings the process down still runs out of attempts.
      await state.updateAsker(key, { ...asker, finalAttempts: attempts });
      const event = final(clock.now() - asker.joinedAt);
      const recording = event.kind === 'completed' ? recordResult(key, asker, event) : undefined;
      const told = await tell(surface, key, asker, event, logger, recording?.extras);
      // The record is written while the result is posted, and is in the store before the person is done.
      await recording?.written;
      if (told) return await close(key, asker);
    } catch (error) {
      // The store failed around the post: the claim goes back (in one process it would never lapse).
      await state.release(key, asker.id).catch(() => undefined);
      throw error;
    }
    await state.release(key, asker.id);
    return 'owed';
  }

  /**
   * Starts writing the record a result's buttons read (beside the post, not before it: a crowd's posts do not
   * wait on the store); the buttons are known at once. If the write fails the buttons answer that the result
   * is no longer available; the result itself is posted all the same.
   */
  function recordResult(
    key: WatchKey,
    asker: StoredAsker,
    event: Extract<WatchEvent, { kind: 'completed' }>,
  ): { extras: ResultExtras; written: Promise<void> } | undefined {
    const { results } = deps;
    if (!results) return undefined;
    const record = resultRecordOf(key, asker, event.images, clock.now());
    const written = results
      .keep(record, event.images)
      .catch((error: unknown) =>
        logger.warn({ err: error, jobId: key.jobId }, 'could not record a result; its buttons will not work'),
      );
    return {
      written,
      extras: {
        actions: actionsFor(record),
        // After the record's own write, so that this one is the last.
        notePosted: async (posted) => {
          await written;
          await results.notePosted(record, posted);
        },
      },
    };
  }

  async function close(key: WatchKey, asker: StoredAsker): Promise<'done'> {
    await state.finish(key, asker.id);
    deps.forget(asker);
    return 'done';
  }

  /** Final replies to everyone waiting; the watch ends once nobody is left. */
  async function finish(
    turn: TurnState,
    { ended, event: final }: Extract<Verdict, { kind: 'final' }>,
  ): Promise<TurnOutcome> {
    const askers = await state.askers(turn);
    const outcomes = await Promise.all(askers.map((asker) => answer(turn, asker, final)));
    if (await state.endIfEmpty(turn)) return { next: 'done' };
    // Someone is left: owed a retry, being answered elsewhere, or joined while these replies went out.
    const owed = outcomes.includes('owed');
    if (owed) {
      const attempts = Math.max(1, ...askers.map((asker) => (asker.finalAttempts ?? 0) + 1));
      const delayMs = schedule.finalRetryDelayMs * 2 ** (attempts - 1);
      logger.warn(
        { jobId: turn.jobId, workspace: turn.workspace, retryInMs: delayMs },
        'final replies failed; they stay recorded and are tried again',
      );
      return { next: 'later', delayMs, state: { ...turn, ended } };
    }
    const delayMs = outcomes.includes('elsewhere') ? CLAIMED_ELSEWHERE_DELAY_MS : 0;
    return { next: 'later', delayMs, state: { ...turn, ended } };
  }

  return async (given) => {
    const turn: TurnState = { ...given };
    try {
      // A turn can outlive its watch: a starting instance re-adds the watches it listed, and one of them may
      // end (and leave the queue) between that list and the re-add. Such a turn must not ask the API again.
      const stored = await state.get(turn);
      if (stored?.generation !== turn.generation) {
        logger.debug({ jobId: turn.jobId, workspace: turn.workspace }, 'a turn of an ended watch; skipped');
        return { next: 'done' };
      }
      // A failure already told in words needs no new check to be told again.
      const verdict = turn.ended?.kind === 'failed' ? retold(turn.ended) : await check(turn);
      // Stopped mid-turn: the check may have reached the API, so whoever runs the watch next waits the usual
      // interval rather than asking again at once.
      if (deps.stopping.aborted) return { next: 'later', delayMs: given.delayMs, state: given };
      if (verdict.kind === 'final') return await finish(turn, verdict);
      if (verdict.status && verdict.status.state !== turn.lastState) {
        turn.lastState = verdict.status.state;
        await progress(turn, verdict.status);
      }
      const waitedMs = clock.now() - turn.startedAt;
      const plan = deps.planner ? await deps.planner.planFor(durationKeyOf(turn)) : defaultPlan;
      const ageMs = waitedMs + (turn.jobAgeAtStartMs ?? 0);
      // With a webhook on its way, polling is only the fallback for a webhook that never comes.
      const plannedMs = turn.webhookExpected
        ? schedule.webhookFallbackMs
        : delayToNextCheck(plan, ageMs, schedule.jitter, deps.random);
      turn.delayMs = Math.max(0, Math.min(plannedMs, deps.timeoutMs - waitedMs));
      return { next: 'later', delayMs: turn.delayMs, state: turn };
    } catch (error) {
      // The state store failed (Redis away, disk full): keep the watch and try again shortly.
      logger.error(
        { err: error, jobId: turn.jobId, workspace: turn.workspace },
        'a watch turn failed; retrying',
      );
      return { next: 'later', delayMs: schedule.cadenceMs, state: given };
    }
  };
}

/** Whose durations a watch learns and plans with. */
function durationKeyOf(turn: TurnState): DurationKey {
  return turn.model === undefined
    ? { workspace: turn.workspace }
    : { workspace: turn.workspace, model: turn.model };
}

/** The end of a job without images: its words are built once, and kept for retries. */
function ended(key: WatchKey, error: SkidioBotError): Verdict {
  return retold({ kind: 'failed', code: error.code, text: errorText(error, key.jobId) });
}

function retold(failure: Extract<NonNullable<TurnState['ended']>, { kind: 'failed' }>): Verdict {
  const { code, text } = failure;
  return { kind: 'final', ended: failure, event: (elapsedMs) => ({ kind: 'ended', code, text, elapsedMs }) };
}
