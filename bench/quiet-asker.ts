/** A person waiting on a job whose replies go nowhere: the benchmarks measure the watcher, not a platform. */
import type { ReplySurface } from '../src/core/command.js';
import type { NewAsker } from '../src/core/watcher/types.js';

const takeReply = async () => {};

/** A new asker with a surface that takes every reply at once (one shared function: a bench asker costs no closures). */
export function quietAsker(id: string): NewAsker {
  const surface: ReplySurface = {
    delivery: { id },
    progress: takeReply,
    result: takeReply,
    error: takeReply,
    privateText: takeReply,
  };
  return { platform: 'bench', requesterId: id, mention: id, surface };
}
