/**
 * Where a watch places its status checks. A plan is a set of instants on the job's clock (ms since the job
 * started, or since the watch started when the job's age is unknown); a turn asks for the first one after now
 * and waits until then, plus a little de-synchronisation. Plans are pure, so `poll-simulation.ts` replays
 * exactly what the watcher does, on simulated time.
 *
 * Why the default is a fixed cadence: a job whose length nobody knows finishes anywhere, so the delay from its
 * end to the check that sees it is spread over the whole gap between two checks, and the median delay is
 * about half the gap. A budget of `T/2 + 2` requests for a `T`-second job allows one check per 2 s after the
 * first; 2 s gaps give a median of 1 s, and anything faster runs over the budget for some `T`.
 */

/** Checks placed on a job's clock. */
export interface PollPlan {
  /** The first planned check strictly after `ageMs`. */
  nextCheckAfter(ageMs: number): number;
}

/**
 * Checks of a job older than the plans are tuned for (2 to 60 s): a job still pending after a minute is
 * likely queued for long, and a check every 2 s for up to the watch timeout (30 min) would cost 900 requests
 * where the old curve's 5 s cost 360. Past `lateAfterMs`, every plan checks every `lateCadenceMs`.
 */
export interface LateChecks {
  lateAfterMs: number;
  lateCadenceMs: number;
}

/** The default plan's parameters (part of `PollSchedule`). */
export interface CadencePlanOptions extends LateChecks {
  /** The first check after the one at the start of the watch. */
  firstCheckMs: number;
  /** Then one check every `cadenceMs`, on multiples of it. */
  cadenceMs: number;
}

/** The next check after `ageMs` once past `lateAfterMs`: on multiples of the late cadence from there. */
export function lateCheckAfter(ageMs: number, late: LateChecks): number {
  return (
    late.lateAfterMs + (Math.floor((ageMs - late.lateAfterMs) / late.lateCadenceMs) + 1) * late.lateCadenceMs
  );
}

/**
 * The default plan, knowing nothing about the job: a check at the start (the engine runs the first turn at
 * once), one at `firstCheckMs`, then every multiple of `cadenceMs` after it, up to `lateAfterMs` (see
 * `LateChecks`). With 3 s and 2 s: 0, 3, 4, 6, 8 s… 58, 60 s, then 65, 70 s…
 * The check at 3 s rather than 2 s is the fast start: a check at 2 s could only see jobs of 2 s or less, while
 * one at 3 s sees every job of 2 to 3 s within 1 s, and the checks that follow stay within the budget.
 */
export function cadencePlan(options: CadencePlanOptions): PollPlan {
  const { firstCheckMs, cadenceMs, lateAfterMs } = options;
  return {
    nextCheckAfter(ageMs) {
      if (ageMs >= lateAfterMs) return lateCheckAfter(ageMs, options);
      if (ageMs < firstCheckMs) return Math.min(firstCheckMs, lateAfterMs);
      return Math.min((Math.floor(ageMs / cadenceMs) + 1) * cadenceMs, lateAfterMs);
    },
  };
}

/**
 * The wait from `ageMs` until the plan's next check, made longer (never shorter) by up to `spread` × the shorter
 * of that wait and the gap after the check, so that watches started together (a batch, a restart) do not all
 * ask the API in the same millisecond. Never shorter: an early check would spend a request the budget has no
 * room for, and the next turn would find the same planned instant still ahead. Bounded by the gap after it, so
 * a late check still comes before the next planned one (a learned plan's dense checks stay where they are).
 */
export function delayToNextCheck(
  plan: PollPlan,
  ageMs: number,
  spread: number,
  random: () => number,
): number {
  const next = plan.nextCheckAfter(ageMs);
  const room = Math.min(next - Math.max(0, ageMs), plan.nextCheckAfter(next) - next);
  return Math.round(next - ageMs + random() * spread * room);
}
