/**
 * The store's record of active watches, so that a restarted process can resume them: one record per
 * (workspace, job) with everyone waiting on it, found again by a prefix scan of the store.
 */
import type { KeyValueStore, WorkspaceId } from './ports.js';

/** One person waiting on a job, as stored. `delivery` is the adapter's own JSON address for replies. */
export interface StoredSubscriber {
  id: string;
  requesterId: string;
  joinedAt: number;
  delivery: unknown;
  /**
   * Set just before the final reply is handed to the platform; the subscriber leaves the record once the
   * platform has taken it. A restart finding `posting` delivers again: the reply may or may not have landed.
   */
  phase?: 'posting';
  /** Final deliveries begun so far, across restarts (absent: none). */
  finalAttempts?: number;
}

/** One watched job, as stored: everyone still owed a final reply about it. */
export interface StoredWatch {
  workspace: WorkspaceId;
  jobId: string;
  startedAt: number;
  subscribers: StoredSubscriber[];
}

const PREFIX = 'watch:';

/** Reads and writes watch records. */
export interface WatchRegistry {
  save(watch: StoredWatch): Promise<void>;
  remove(workspace: WorkspaceId, jobId: string): Promise<void>;
  list(): Promise<StoredWatch[]>;
}

/** Builds the registry on a key/value store. */
export function createWatchRegistry(store: KeyValueStore): WatchRegistry {
  // JSON-encoding the pair keeps `a:b` + `c` and `a` + `b:c` apart, since both parts may contain colons.
  const recordKey = (workspace: WorkspaceId, jobId: string) =>
    `${PREFIX}${JSON.stringify([workspace, jobId])}`;
  return {
    save: (watch) => store.set(recordKey(watch.workspace, watch.jobId), watch),
    remove: async (workspace, jobId) => {
      await store.delete(recordKey(workspace, jobId));
    },
    list: async () => {
      const watches: StoredWatch[] = [];
      for await (const [, watch] of store.entries<StoredWatch>(PREFIX)) watches.push(watch);
      return watches;
    },
  };
}
