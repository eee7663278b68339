/**
 * Turns what a watch learned into words on one person's reply surface: progress, the images, or why there
 * are none. The one place a watch event becomes a reply, whichever platform and whichever instance.
 */

import { completedText, formatElapsed, progressText } from '../messages.js';
import type { Logger } from '../ports.js';
import type { ReplySurface } from '../reply-surface.js';
import type { ResultAction } from '../results/result-actions.js';
import { submissionCaption } from '../submission.js';
import type { StoredAsker, WatchEvent, WatchKey } from './types.js';

/** What goes with a completed result: its buttons, and where to note what the adapter posted. */
export interface ResultExtras {
  actions: readonly ResultAction[];
  notePosted(posted: unknown): Promise<void>;
}

/**
 * Tells `asker` one event. Resolves true when the surface took it. A final reply the surface could not
 * deliver rejects there (`ReplyNotDeliveredError` or anything else): false, and it stays owed. A failed
 * progress update is only logged: the next change or the end will reach them.
 */
export async function tell(
  surface: ReplySurface,
  key: WatchKey,
  asker: StoredAsker,
  event: WatchEvent,
  logger: Logger,
  extras?: ResultExtras,
): Promise<boolean> {
  const { jobId } = key;
  try {
    switch (event.kind) {
      case 'progress':
        await surface.progress({
          jobId,
          status: event.status,
          elapsedMs: event.elapsedMs,
          text: progressText(jobId, event.status, event.elapsedMs),
        });
        return true;
      case 'completed': {
        const { files, failures, omitted } = event.images;
        const caption = asker.submission
          ? submissionCaption(asker.submission, formatElapsed(event.elapsedMs))
          : undefined;
        const posted = await surface.result({
          jobId,
          images: event.images,
          text: [completedText(jobId, asker.mention, files.length, failures, omitted), caption]
            .filter((line) => line !== undefined)
            .join('\n'),
          ...(extras ? { actions: extras.actions } : {}),
        });
        if (posted !== undefined && extras) {
          // Only Delete reads it: a store failure here must not make a delivered result owed again.
          await extras
            .notePosted(posted)
            .catch((error: unknown) => logger.warn({ err: error, jobId }, 'could not note a posted result'));
        }
        return true;
      }
      case 'ended':
        await surface.error(event.text, jobId);
        return true;
    }
  } catch (error) {
    logger.error(
      { err: error, jobId, asker: asker.id, platform: asker.platform, event: event.kind },
      event.kind === 'progress'
        ? 'a progress update was not delivered'
        : 'a final reply was not delivered; it stays owed',
    );
    return false;
  }
}

/** Says, once and in words, that the result could not be posted after every attempt; never rejects. */
export async function tellGaveUp(
  surface: ReplySurface,
  key: WatchKey,
  attempts: number,
  logger: Logger,
): Promise<void> {
  const text = `⚠️ Job \`${key.jobId}\` finished, but I could not post its result here after ${attempts} tries. Run \`/skidio status ${key.jobId}\` to try again.`;
  await surface
    .error(text, key.jobId)
    .catch((error: unknown) =>
      logger.warn({ err: error, jobId: key.jobId }, 'could not say that a result was given up on'),
    );
}
