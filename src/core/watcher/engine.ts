/**
 * The engine port: what runs a watch's turns, one at a time per watch, each when it is due. Two engines: the
 * in-process scheduler (`in-process-engine.ts`, one process, the embedded default) and BullMQ on Redis
 * (`bullmq-engine.ts`), whose locks and stalled-job checks hand a dead instance's watches to the others.
 */
import type { StoredWatch } from './watch-state.js';

/**
 * A watch's schedule between turns: small and plain JSON, since BullMQ stores it as the queue job's data.
 * Everything about the people waiting lives in the watch state, not here.
 */
export interface TurnState extends StoredWatch {
  /** Status checks done by this watch so far (0: the next turn is its first). */
  checks: number;
  /** Transient failures in a row. */
  failuresInRow: number;
  /** The wait the last turn chose before this one (a turn stopped mid-check waits it again). */
  delayMs: number;
  /** The job state at the last check, to notice a change without reading who waits. */
  lastState?: string;
  /** When the last check ran: a watch resumed long after it (the bot was down) checks once before timing out. */
  lastCheckAt?: number;
  /** How old the job was when the watch started, from the times the API reports: checks go on the job's clock. */
  jobAgeAtStartMs?: number;
  /**
   * The job's model, when whoever started the watch knows it (a submit does; a status body does not): its
   * durations are learned and planned apart from the workspace's other models.
   */
  model?: string;
  /**
   * The job's end, once known and while final replies are still owed. A completed job is asked again for its
   * images on a retry (they are not stored), but never times out; a failure's reply is kept as its words.
   */
  ended?: { kind: 'completed' } | { kind: 'failed'; code: string; text: string };
  /** A webhook will announce the job's end: checks fall back to a slow interval in between (kept across instances). */
  webhookExpected?: boolean;
}

/** What a turn decided. */
export type TurnOutcome = { next: 'done' } | { next: 'later'; delayMs: number; state: TurnState };

/** Runs one turn; never rejects (its failures are its own to report). */
export type RunTurn = (state: TurnState) => Promise<TurnOutcome>;

/** Runs turns. */
export interface WatchEngine {
  /** Starts taking turns with `run`. */
  start(run: RunTurn): Promise<void>;
  /** Schedules the first turn of a watch that `WatchState.join` just started, due now. */
  add(state: TurnState): Promise<void>;
  /**
   * Makes the watch's next turn due now, wherever it waits; a turn running right now is followed by another
   * at once (in-process) or left to its own schedule (BullMQ: the running instance holds it).
   */
  hurry(watch: StoredWatch): Promise<void>;
  /** Watches with a turn queued or running in this process. */
  activeCount(): number;
  /** Resolves when this process has no turn queued or running. */
  idle(): Promise<void>;
  /**
   * Stops taking turns; resolves when the turns in flight have finished, or after `graceMs`. Queued turns
   * stay where the engine keeps them (BullMQ: in Redis, for the other instances; in-process: nowhere, the
   * watch state has what the next start needs).
   */
  stop(graceMs?: number): Promise<void>;
  /** True when the engine keeps scheduled watches across restarts itself (no resume from the state). */
  readonly durable: boolean;
}

/** The first turn of a new watch. */
export function firstTurn(watch: StoredWatch, firstCheckMs: number, webhookExpected = false): TurnState {
  const turn: TurnState = { ...watch, checks: 0, failuresInRow: 0, delayMs: firstCheckMs };
  return webhookExpected ? { ...turn, webhookExpected } : turn;
}
