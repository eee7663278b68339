/**
 * Learned job durations, as a port: the most recent durations of completed jobs per workspace (and model, when
 * the watch knows it), which the polling planner turns into a plan (see learned-plan.ts). Bounded and
 * decaying by construction: each key keeps only its last `RECENT_DURATIONS` jobs (old ones fall out as new
 * ones arrive, so a model that got faster is followed), and a key nobody adds to for `DURATIONS_TTL_MS` is
 * dropped. Two implementations: the key/value store (SQLite, one process) here, Redis in src/store.
 */
import type { KeyValueStore, WorkspaceId } from '../ports.js';

/** Whose jobs: a workspace, and the model when known (a status body does not say it; a submit does). */
export interface DurationKey {
  workspace: WorkspaceId;
  model?: string;
}

/** The stored durations. */
export interface JobDurations {
  /** The most recent durations (ms) learned for `key`, newest first; at most `RECENT_DURATIONS`. */
  recent(key: DurationKey): Promise<number[]>;
  /** Adds the duration of one completed job. */
  add(key: DurationKey, durationMs: number): Promise<void>;
}

/** Jobs remembered per key: enough for the planner's quantiles, small enough to store as one short list. */
export const RECENT_DURATIONS = 64;
/** A key (workspace, model) with no completed job for this long is forgotten. */
export const DURATIONS_TTL_MS = 30 * 24 * 3_600_000;

/** Model names are short tokens; anything else is not a model and is left out of the key. */
const MODEL_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The key as text: JSON keeps `a` + `b:c` apart from `a:b` + `c`, as both parts may contain colons. */
export function durationKeyText(key: DurationKey): string {
  const model = key.model !== undefined && MODEL_NAME.test(key.model) ? key.model : null;
  return JSON.stringify([key.workspace, model]);
}

const STORE_PREFIX = 'durations:';

/** Durations on the key/value store (read-modify-write: one process owns an embedded store). */
export function createStoredJobDurations(store: KeyValueStore): JobDurations {
  return {
    async recent(key) {
      return (await store.get<number[]>(STORE_PREFIX + durationKeyText(key))) ?? [];
    },
    async add(key, durationMs) {
      const storeKey = STORE_PREFIX + durationKeyText(key);
      const kept = (await store.get<number[]>(storeKey)) ?? [];
      const next = [Math.round(durationMs), ...kept].slice(0, RECENT_DURATIONS);
      await store.set(storeKey, next, DURATIONS_TTL_MS);
    },
  };
}
