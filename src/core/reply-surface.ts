/**
 * The reply surface an adapter implements for one conversation, and the replies it takes. The commands and the
 * job watcher both answer people through it, on whichever platform.
 */
import type { ResolvedImages } from './images.js';
import type { JobStatus } from './job-status.js';
import type { ResultAction } from './results/result-actions.js';

/** A progress update for one job. */
export interface ProgressReply {
  jobId: string;
  status: Extract<JobStatus, { state: 'queued' | 'running' | 'unknown' }>;
  elapsedMs: number;
  text: string;
}

/** A finished job's images, with the line that goes with them and the buttons under them. */
export interface ResultReply {
  jobId: string;
  images: ResolvedImages;
  text: string;
  actions?: readonly ResultAction[];
}

/**
 * Where replies go. One surface per invocation; the adapter decides how each reply looks on its platform.
 * `delivery` is the adapter's JSON address of this conversation, stored with a watch so replies can resume
 * after a restart. Failures are the surface's to log and, where it can, to tell the person; only `result`
 * and `error` may reject, with `ReplyNotDeliveredError`, when the platform did not take the reply for a reason
 * that may pass: the job watcher then keeps it owed and tries again.
 */
export interface ReplySurface {
  readonly delivery: unknown;
  progress(reply: ProgressReply): Promise<void>;
  /**
   * The job's images; rejects with `ReplyNotDeliveredError` when they did not reach the platform. May resolve
   * to the adapter's JSON reference of what it posted, which Delete hands back to `removeResult`.
   */
  result(reply: ResultReply): Promise<unknown>;
  /**
   * A final failure message about the command (shown where the result would have been); `jobId` when it is
   * about a job, so that adapters learn the job from the reply, never from the command's options.
   */
  error(text: string, jobId?: string): Promise<void>;
  /** A message only the requester sees. */
  privateText(text: string): Promise<void>;
  /** The conversation now waits on this job (the watcher says so once it has recorded the person). */
  watching?(jobId: string): void;
  /**
   * A surface posting in the channel of a stored address, for everyone to see (Share of a private result,
   * which may have been delivered by DM); undefined when this surface already posts there.
   */
  inChannelOf?(address: unknown): ReplySurface | undefined;
  /**
   * Removes the result a button was clicked on (Delete): `posted` is what `result` resolved to. Absent where
   * there is no message to remove (the console).
   */
  removeResult?(posted: unknown): Promise<void>;
  /** Asks the requester for a secret in a form; undefined on platforms without forms (the console). */
  openSecretForm?(): Promise<void>;
}

/**
 * A final reply did not reach the platform (5xx or network failure after the platform library's own
 * retries, or the adapter stopping). Not shown to anyone: the watcher keeps the reply owed, in the store,
 * and tries again. A surface that knows the reply can never be delivered (no permission to post there)
 * tells the person and resolves instead.
 */
export class ReplyNotDeliveredError extends Error {
  override readonly name = 'ReplyNotDeliveredError';
  readonly code = 'reply_not_delivered';
}
