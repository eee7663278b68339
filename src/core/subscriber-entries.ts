/**
 * A watch's subscribers as the watcher tracks them, their stored form, and their way back from the store
 * after a restart (keeping where each final reply stood).
 */
import type { JobStatus } from './job-status.js';
import type { Logger } from './ports.js';
import type { StoredSubscriber, StoredWatch } from './watch-registry.js';
import type { WatchSubscriber } from './watch-types.js';

/** One subscriber of a watch, as the watcher tracks it. */
export interface SubscriberEntry {
  subscriber: WatchSubscriber;
  joinedAt: number;
  /** The last progress state this subscriber heard, so nobody hears the same state twice. */
  heard: JobStatus['state'] | undefined;
  /** `waiting` for the end; `posting` from just before its final reply until the platform took it; then `done`. */
  phase: 'waiting' | 'posting' | 'done';
  /** Final deliveries begun, this process and earlier ones. */
  finalAttempts: number;
}

/** A new entry, or one restored from its stored form (keeping its phase and attempts). */
export function newEntry(
  subscriber: WatchSubscriber,
  joinedAt: number,
  stored?: StoredSubscriber,
): SubscriberEntry {
  return {
    subscriber,
    joinedAt,
    heard: undefined,
    phase: stored?.phase === 'posting' ? 'posting' : 'waiting',
    finalAttempts: stored?.finalAttempts ?? 0,
  };
}

/** The entry as the store keeps it; the optional fields only when they say something. */
export function storedForm(entry: SubscriberEntry): StoredSubscriber {
  const { subscriber } = entry;
  return {
    id: subscriber.id,
    requesterId: subscriber.requesterId,
    joinedAt: entry.joinedAt,
    delivery: subscriber.delivery,
    ...(entry.phase === 'posting' ? { phase: 'posting' as const } : {}),
    ...(entry.finalAttempts > 0 ? { finalAttempts: entry.finalAttempts } : {}),
  };
}

/**
 * Rebuilds the subscribers of one stored watch with `restore` (an adapter's `restoreSubscriber`); logs those
 * no configured platform can answer (they are dropped) and those whose reply is delivered again.
 */
export function restoreEntries(
  record: StoredWatch,
  restore: (stored: StoredSubscriber, watch: StoredWatch) => WatchSubscriber | undefined,
  logger: Logger,
): { entries: SubscriberEntry[]; dropped: number } {
  const entries = record.subscribers.flatMap((stored) => {
    const subscriber = restore(stored, record);
    return subscriber ? [newEntry(subscriber, stored.joinedAt, stored)] : [];
  });
  const where = { workspace: record.workspace, jobId: record.jobId };
  const dropped = record.subscribers.length - entries.length;
  if (dropped > 0) {
    logger.warn(
      { ...where, dropped },
      'stored subscribers of a watch belong to no configured platform; they are dropped',
    );
  }
  const reposting = entries.filter((entry) => entry.phase === 'posting').length;
  if (reposting > 0) {
    logger.info(
      { ...where, reposting },
      'a final reply was being posted when the last process ended; it is delivered again',
    );
  }
  return { entries, dropped };
}
