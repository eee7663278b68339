/**
 * What a watch's subscribers hear, and the store writes around each final reply that make it happen once
 * across restarts. Everyone still owed a final reply is marked `posting` in the store before the platform is
 * asked, and leaves the record as soon as the platform has taken the reply. A crash between those two writes
 * leaves `posting`, and the next process delivers again: at most one duplicate per crash, and only when the
 * platform took the reply in the moments before the crash. A reply that failed (the subscriber's `onEvent`
 * rejected) stays owed: it is tried again after a pause that doubles, up to `maxFinalAttempts` deliveries
 * counted across restarts, so that a reply which always fails (or always brings the process down) ends.
 */
import type { Clock, Logger } from './ports.js';
import type { SubscriberEntry } from './subscriber-entries.js';
import type { RecordHolder, WatchRecords } from './watch-records.js';
import type { PollSchedule, WatchEvent } from './watch-types.js';

/** A watch as far as its replies go. */
export interface ReplyingWatch extends RecordHolder {
  subscribers: Map<string, SubscriberEntry>;
  /** The final event, once the job has ended. */
  final: ((elapsedMs: number) => WatchEvent) | undefined;
}

/** What the replies need from the watcher. */
export interface FinalRepliesDeps<W extends ReplyingWatch> {
  records: WatchRecords;
  schedule: PollSchedule;
  clock: Clock;
  logger: Logger;
  /** Aborted when the watcher stops: failed replies then wait in the store for the next start. */
  stopping: AbortSignal;
  /** Runs `deliverFinal(watch)` again after `delayMs`. */
  retryLater(watch: W, delayMs: number): void;
  /** Every final reply of `watch` is through (posted or given up on): it holds nothing more. */
  settled(watch: W): void;
}

/** Builds the reply side of the watcher. */
export function createFinalReplies<W extends ReplyingWatch>(deps: FinalRepliesDeps<W>) {
  const { records, schedule, clock, logger } = deps;

  /** Hands one event to one subscriber; false when it rejected. Progress goes only to those still waiting. */
  async function deliver(watch: ReplyingWatch, entry: SubscriberEntry, event: WatchEvent): Promise<boolean> {
    const { subscriber } = entry;
    if (event.kind === 'progress') {
      if (entry.phase !== 'waiting' || entry.heard === event.status.state) return true;
      entry.heard = event.status.state;
    }
    try {
      await subscriber.onEvent(event);
      return true;
    } catch (error) {
      logger.error(
        { err: error, jobId: watch.jobId, subscriber: subscriber.id, event: event.kind },
        event.kind === 'progress'
          ? 'a subscriber failed to take a job event'
          : 'a final reply was not delivered; it stays owed',
      );
      return false;
    }
  }

  /** Progress to everyone at once. */
  async function notify(watch: ReplyingWatch, build: (elapsedMs: number) => WatchEvent): Promise<void> {
    const now = clock.now();
    await Promise.all(
      [...watch.subscribers.values()].map((entry) => deliver(watch, entry, build(now - entry.joinedAt))),
    );
  }

  /** After a delivery: done, given up, or still owed. Writes the record when something changed. */
  async function settle(watch: ReplyingWatch, entry: SubscriberEntry, delivered: boolean): Promise<void> {
    if (!delivered && entry.finalAttempts < schedule.maxFinalAttempts) return;
    if (!delivered) giveUp(watch, entry);
    entry.phase = 'done';
    await records.write(watch.workspace, watch.jobId);
  }

  function giveUp(watch: ReplyingWatch, entry: SubscriberEntry): void {
    logger.error(
      {
        jobId: watch.jobId,
        workspace: watch.workspace,
        subscriber: entry.subscriber.id,
        attempts: entry.finalAttempts,
      },
      'gave up on a final reply after every attempt failed',
    );
  }

  /** One round of final replies to everyone still owed one; schedules the next round if some failed. */
  async function deliverFinal(watch: W): Promise<void> {
    const build = watch.final;
    if (!build) return;
    const owed: SubscriberEntry[] = [];
    for (const entry of watch.subscribers.values()) {
      if (entry.phase === 'done') continue;
      if (entry.finalAttempts >= schedule.maxFinalAttempts) {
        giveUp(watch, entry);
        entry.phase = 'done';
        continue;
      }
      entry.phase = 'posting';
      entry.finalAttempts++;
      owed.push(entry);
    }
    // The "before" write: from here until each reply's "after" write, a restart delivers it again.
    await records.write(watch.workspace, watch.jobId);
    const now = clock.now();
    await Promise.all(
      owed.map(async (entry) =>
        settle(watch, entry, await deliver(watch, entry, build(now - entry.joinedAt))),
      ),
    );
    const left = [...watch.subscribers.values()].filter((entry) => entry.phase !== 'done');
    if (left.length === 0) {
      deps.settled(watch);
      return;
    }
    if (deps.stopping.aborted) return;
    const attempts = Math.min(...left.map((entry) => entry.finalAttempts));
    const delayMs = schedule.finalRetryDelayMs * 2 ** Math.max(0, attempts - 1);
    logger.warn(
      { jobId: watch.jobId, workspace: watch.workspace, owed: left.length, retryInMs: delayMs },
      'final replies failed; they stay recorded and are tried again',
    );
    deps.retryLater(watch, delayMs);
  }

  return { deliver, notify, deliverFinal };
}
