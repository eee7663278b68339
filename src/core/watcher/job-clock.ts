/**
 * What a status answer says about the job's clock: how old the job was when the watch started (so checks are
 * placed on the job's clock, where learned durations live), and, once it completed, how long it took.
 */
import type { StatusAnswer } from '../skidio-answers.js';
import type { TurnState } from './engine.js';

/**
 * Updates `turn.jobAgeAtStartMs` from a running job's reported times, and returns the duration to learn when
 * the answer says the job completed, or undefined when it tells nothing reliable.
 *
 * The duration is `delayTime + executionTime` when the body has them. Otherwise it is read off the watch's own
 * clock, but only when the job's age at the watch's start is known (from an earlier body): a `status` watch
 * may start mid-job, and what it saw would then be only a lower bound, which would pull every later plan
 * early; such an observation is skipped. The end is taken as the middle of the last gap between checks.
 */
export function readJobClock(turn: TurnState, answer: StatusAnswer, checkedAt: number): number | undefined {
  // A completed job asked again (its replies are being retried) was learned the first time.
  if (turn.ended) return undefined;
  const { timing, status } = answer;
  const reportedMs =
    timing && (timing.queuedMs !== undefined || timing.ranMs !== undefined)
      ? (timing.queuedMs ?? 0) + (timing.ranMs ?? 0)
      : undefined;
  const waitedMs = checkedAt - turn.startedAt;
  if (status.state === 'queued' || status.state === 'running') {
    // A final body's times stop at the job's end, so only a job still going tells its age now.
    if (reportedMs !== undefined) turn.jobAgeAtStartMs = Math.max(0, reportedMs - waitedMs);
    return undefined;
  }
  if (status.state !== 'completed') return undefined;
  if (timing?.ranMs !== undefined) return reportedMs;
  if (turn.jobAgeAtStartMs === undefined || turn.checks < 2) return undefined;
  return turn.jobAgeAtStartMs + waitedMs - turn.delayMs / 2;
}
