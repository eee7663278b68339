/**
 * Keeps each job's store record equal to the watcher's memory, one write at a time per job. Several watches
 * may hold subscribers of one job at once (one still posting its end while a newer one polls for someone who
 * asked again), so a record is the union of them all, as `holdersOf` tells. A write reads that union when it
 * runs, not when it was asked for: requests that arrive while one waits share it, and the last write always
 * leaves the store matching memory. A failed write is tried again a few times, then logged with what it
 * risks. Nothing is kept per job between writes, so 10,000 quiet watches cost nothing here.
 */
import type { Clock, Logger, WorkspaceId } from './ports.js';
import { type SubscriberEntry, storedForm } from './subscriber-entries.js';
import type { WatchRegistry } from './watch-registry.js';

/** Something holding subscribers of a job: a watch being polled, or one whose final replies are going out. */
export interface RecordHolder {
  readonly workspace: WorkspaceId;
  readonly jobId: string;
  readonly startedAt: number;
  readonly subscribers: ReadonlyMap<string, SubscriberEntry>;
}

/** The record writer. */
export interface WatchRecords {
  /** Writes the job's record, or removes it when nobody is owed a reply; false if the store refused. */
  write(workspace: WorkspaceId, jobId: string): Promise<boolean>;
}

/** Store writes tried per record change, and the pause before the next try (times the try number). */
const WRITE_TRIES = 3;
const WRITE_RETRY_MS = 250;

interface Slot {
  /** The write in progress, if any. */
  running: Promise<boolean> | undefined;
  /** A write that will start when `running` ends; anyone asking meanwhile shares it. */
  queued: Promise<boolean> | undefined;
}

/** Builds the writer; without a registry every write succeeds at once and stores nothing. */
export function createWatchRecords(options: {
  registry: WatchRegistry | undefined;
  /** Everything holding subscribers of a job right now. */
  holdersOf(workspace: WorkspaceId, jobId: string): RecordHolder[];
  clock: Clock;
  logger: Logger;
}): WatchRecords {
  const { registry, clock, logger } = options;
  // Only jobs with a write in progress or waiting have a slot.
  const slots = new Map<string, Slot>();

  async function writeNow(store: WatchRegistry, workspace: WorkspaceId, jobId: string): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      // Read memory at each try: a retry writes the newest state, not a stale one.
      const holders = options.holdersOf(workspace, jobId);
      const owed = holders.flatMap((holder) =>
        [...holder.subscribers.values()].filter((entry) => entry.phase !== 'done').map(storedForm),
      );
      try {
        if (owed.length === 0) await store.remove(workspace, jobId);
        else {
          // The newest holder is the one still polling; its start is what a resumed timeout counts from.
          const startedAt = Math.max(...holders.map((holder) => holder.startedAt));
          await store.save({ workspace, jobId, startedAt, subscribers: owed });
        }
        return true;
      } catch (error) {
        if (attempt >= WRITE_TRIES) {
          logger.error(
            { err: error, workspace, jobId, tries: attempt },
            'could not record a watch in the store: after a restart its replies may be missing or posted twice',
          );
          return false;
        }
        logger.warn({ err: error, workspace, jobId, attempt }, 'a watch record write failed; trying again');
        await clock.sleep(WRITE_RETRY_MS * attempt).catch(() => undefined);
      }
    }
  }

  return {
    write(workspace, jobId) {
      if (!registry) return Promise.resolve(true);
      const key = `${workspace}\u0000${jobId}`;
      let slot = slots.get(key);
      if (slot?.queued) return slot.queued;
      if (!slot) {
        slot = { running: undefined, queued: undefined };
        slots.set(key, slot);
      }
      const current = slot;
      const queued = (current.running ?? Promise.resolve(true)).then(() => {
        // From here on a change needs a write of its own: this one is about to read memory.
        current.queued = undefined;
        const running = writeNow(registry, workspace, jobId);
        current.running = running;
        void running.then(() => {
          if (current.running === running) current.running = undefined;
          if (!current.running && !current.queued) slots.delete(key);
        });
        return running;
      });
      current.queued = queued;
      return queued;
    },
  };
}
