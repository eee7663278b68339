/**
 * The store's record of active watches, so that a restarted process can resume them. One record per
 * (workspace, job) with everyone waiting on it, plus an index of record keys, since not every store can list
 * its keys. Writes within one process are serialized so the index never loses an entry to a race.
 */
import type { KeyValueStore, WorkspaceId } from './ports.js';

/** One person waiting on a job, as stored. `delivery` is the adapter's own JSON address for replies. */
export interface StoredSubscriber {
  id: string;
  requesterId: string;
  joinedAt: number;
  delivery: unknown;
}

/** One watched job, as stored. */
export interface StoredWatch {
  workspace: WorkspaceId;
  jobId: string;
  startedAt: number;
  subscribers: StoredSubscriber[];
}

const INDEX_KEY = 'watches:index';

/** Reads and writes watch records. */
export interface WatchRegistry {
  save(watch: StoredWatch): Promise<void>;
  remove(workspace: WorkspaceId, jobId: string): Promise<void>;
  list(): Promise<StoredWatch[]>;
}

/** Builds the registry on a key/value store. */
export function createWatchRegistry(store: KeyValueStore): WatchRegistry {
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const recordKey = (workspace: WorkspaceId, jobId: string) => `watch:${workspace}:${jobId}`;
  const readIndex = async () => (await store.get<string[]>(INDEX_KEY)) ?? [];

  return {
    save: (watch) =>
      serialized(async () => {
        const key = recordKey(watch.workspace, watch.jobId);
        await store.set(key, watch);
        const index = await readIndex();
        if (!index.includes(key)) await store.set(INDEX_KEY, [...index, key]);
      }),
    remove: (workspace, jobId) =>
      serialized(async () => {
        const key = recordKey(workspace, jobId);
        await store.delete(key);
        const index = await readIndex();
        if (index.includes(key))
          await store.set(
            INDEX_KEY,
            index.filter((entry) => entry !== key),
          );
      }),
    list: () =>
      serialized(async () => {
        const watches: StoredWatch[] = [];
        for (const key of await readIndex()) {
          const watch = await store.get<StoredWatch>(key);
          if (watch) watches.push(watch);
        }
        return watches;
      }),
  };
}
