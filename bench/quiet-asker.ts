/** A person waiting on a job whose replies go nowhere: the benchmarks measure the watcher, not a platform. */
import type { ReplySurface } from '../src/core/command.js';
import type { NewAsker } from '../src/core/watcher/types.js';

/** A new asker with a surface that takes every reply at once. */
export function quietAsker(id: string): NewAsker {
  const surface: ReplySurface = {
    delivery: { id },
    progress: async () => {},
    result: async () => {},
    error: async () => {},
    privateText: async () => {},
  };
  return { platform: 'bench', requesterId: id, mention: id, surface };
}
