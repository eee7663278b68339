/**
 * The stored form of watches, as a port: which jobs are watched, who waits on each (one record per person),
 * and the claim that lets exactly one instance post a person's result. Two implementations: one process on the
 * key/value store (`memory-watch-state.ts`, the embedded default) and Redis with atomic scripts for several
 * instances (`src/store/redis-watch-state.ts`). One behaviour suite runs against both.
 */
import type { ProgressStatus, StoredAsker, WatchKey } from './types.js';

/** A watched job as stored. `generation` tells one watch of a job from the next one. */
export interface StoredWatch extends WatchKey {
  startedAt: number;
  generation: number;
  /**
   * The job was submitted with a webhook: a watch resumed after a restart keeps the slow fallback plan. Kept
   * by the state of one process; on Redis the BullMQ turn carries it and resumed turns are not rebuilt.
   */
  webhookExpected?: boolean;
}

/** What `join` did. */
export type JoinOutcome =
  /** A new watch: the caller schedules its first turn. */
  | { kind: 'started'; watch: StoredWatch }
  /** The job was already watched; `lastStatus` is where it stood at its last check, if known. */
  | { kind: 'joined'; watch: StoredWatch; lastStatus: ProgressStatus | undefined }
  /** A new watch would pass a cap; nothing was stored. */
  | { kind: 'full'; scope: 'workspace' | 'bot'; limit: number };

/** Caps checked atomically with the start of a watch. */
export interface WatchCaps {
  perWorkspace: number;
  total: number;
}

/** The stored watches. Every method is atomic for one key, across every instance sharing the state. */
export interface WatchState {
  /**
   * Adds `asker` to the job's watch, starting the watch when there is none (within `caps`). A joiner is stored
   * as having heard `lastStatus` in the same atomic step: the caller tells them, no turn does it again.
   */
  join(
    key: WatchKey,
    asker: StoredAsker,
    caps: WatchCaps,
    now: number,
    options?: { webhookExpected?: boolean },
  ): Promise<JoinOutcome>;
  /** Everyone still waiting on the job. */
  askers(key: WatchKey): Promise<StoredAsker[]>;
  /** Rewrites one asker (what they heard, attempts, a new address); no-op when they have left. */
  updateAsker(key: WatchKey, asker: StoredAsker): Promise<void>;
  /** Remembers where the job stood at its last check (a progress state), for people who join later. */
  setLastStatus(key: WatchKey, status: ProgressStatus): Promise<void>;
  /**
   * Takes the right to post `askerId`'s final reply for `ttlMs`; false when another instance holds it. A
   * crash between claim and post leaves the claim to expire, and the next owner of the watch posts.
   */
  claim(key: WatchKey, askerId: string, ttlMs: number): Promise<boolean>;
  /** Gives a claim back after a failed post, so the next try can take it at once. */
  release(key: WatchKey, askerId: string): Promise<void>;
  /** The person has their final reply (or the bot gave up): removes them and their claim. */
  finish(key: WatchKey, askerId: string): Promise<void>;
  /** Ends the watch when nobody waits on it any more; false when someone is still (or newly) waiting. */
  endIfEmpty(key: WatchKey): Promise<boolean>;
  /** The watch of the job, if any. */
  get(key: WatchKey): Promise<StoredWatch | undefined>;
  /** Every stored watch (start-up resume for engines that do not keep their own schedule). */
  list(): Promise<StoredWatch[]>;
  /**
   * Ends every watch of `workspace` and drops everyone waiting on them, without a word to anyone (the
   * workspace removed the bot: nothing could be posted there). Their queued turns find no watch and stop.
   * Returns how many watches ended.
   */
  forgetWorkspace(workspace: string): Promise<number>;
  /** Releases what the state holds open (connections); the stored watches stay. */
  close(): Promise<void>;
}
