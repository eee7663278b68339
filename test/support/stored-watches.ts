/** Reads the watches a bot left in its store, as the next start would: each with everyone still waiting. */
import type { KeyValueStore } from '../../src/core/ports.js';
import { createMemoryWatchState } from '../../src/core/watcher/memory-watch-state.js';
import type { StoredAsker } from '../../src/core/watcher/types.js';
import type { StoredWatch } from '../../src/core/watcher/watch-state.js';

/** A stored watch with its people. */
export type StoredWatchWithAskers = StoredWatch & { askers: StoredAsker[] };

/** Every watch stored in `store` (the embedded default's state), read afresh. */
export async function storedWatches(store: KeyValueStore): Promise<StoredWatchWithAskers[]> {
  const state = createMemoryWatchState(store);
  const watches = await state.list();
  return Promise.all(watches.map(async (watch) => ({ ...watch, askers: await state.askers(watch) })));
}
