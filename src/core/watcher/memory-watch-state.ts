/**
 * The watch state for one process (the embedded default): memory is the truth, and every change is written
 * through to the key/value store (SQLite) so that the next start finds every watch and every person waiting.
 * One record per watch and one per person, so a change writes only what changed. Atomic per key because one
 * process owns it and each method changes memory before its first await.
 */
import type { KeyValueStore } from '../ports.js';
import type { ProgressStatus, StoredAsker, WatchKey } from './types.js';
import type { JoinOutcome, StoredWatch, WatchCaps, WatchState } from './watch-state.js';

const WATCH_PREFIX = 'watcher:watch:';
const ASKER_PREFIX = 'watcher:asker:';
/** Where versions before the watcher's rebuild kept a watch: one record with everyone in it. */
const EARLIER_PREFIX = 'watch:';

/** A watch as versions before the rebuild stored it. */
interface EarlierWatch {
  workspace: string;
  jobId: string;
  startedAt: number;
  subscribers: {
    id: string;
    requesterId: string;
    joinedAt: number;
    delivery: unknown;
    finalAttempts?: number;
  }[];
}

interface Held {
  watch: StoredWatch;
  askers: Map<string, StoredAsker>;
  lastStatus: ProgressStatus | undefined;
}

/** JSON-encoding the pair keeps `a:b` + `c` and `a` + `b:c` apart, since both parts may contain colons. */
export function watchKeyText(key: WatchKey): string {
  return JSON.stringify([key.workspace, key.jobId]);
}

/** Builds the state on `store`; the stored watches are read once, on first use. */
export function createMemoryWatchState(store: KeyValueStore): WatchState {
  const held = new Map<string, Held>();
  const claims = new Set<string>();
  const generations = new Map<string, number>();
  /** Watches per workspace, kept beside `held` so a join checks the cap without walking every watch. */
  const watchesIn = new Map<string, number>();
  let loaded: Promise<void> | undefined;

  function hold(text: string, entry: Held): void {
    if (!held.has(text))
      watchesIn.set(entry.watch.workspace, (watchesIn.get(entry.watch.workspace) ?? 0) + 1);
    held.set(text, entry);
  }
  function drop(text: string, workspace: string): void {
    if (!held.delete(text)) return;
    const left = (watchesIn.get(workspace) ?? 1) - 1;
    if (left > 0) watchesIn.set(workspace, left);
    else watchesIn.delete(workspace);
  }

  /** Takes over watches an earlier version left, so an upgrade answers everyone they were waiting for. */
  async function adoptEarlierWatches(): Promise<void> {
    const earlier: [string, EarlierWatch][] = [];
    for await (const entry of store.entries<EarlierWatch>(EARLIER_PREFIX)) earlier.push(entry);
    for (const [key, old] of earlier) {
      const text = watchKeyText(old);
      if (!held.has(text) && Array.isArray(old.subscribers) && old.subscribers.length > 0) {
        const watch: StoredWatch = {
          workspace: old.workspace,
          jobId: old.jobId,
          startedAt: old.startedAt,
          generation: 1,
        };
        const askers = old.subscribers.map((subscriber) => adoptedAsker(subscriber));
        hold(text, {
          watch,
          askers: new Map(askers.map((asker) => [asker.id, asker])),
          lastStatus: undefined,
        });
        generations.set(text, 1);
        await store.set(`${WATCH_PREFIX}${text}`, watch);
        for (const asker of askers) await store.set(askerKey(text, asker.id), asker);
      }
      await store.delete(key);
    }
  }

  async function load(): Promise<void> {
    const askers: [string, StoredAsker][] = [];
    for await (const [, watch] of store.entries<StoredWatch>(WATCH_PREFIX)) {
      hold(watchKeyText(watch), { watch, askers: new Map(), lastStatus: undefined });
      generations.set(watchKeyText(watch), watch.generation);
    }
    for await (const [key, asker] of store.entries<StoredAsker>(ASKER_PREFIX)) askers.push([key, asker]);
    for (const [key, asker] of askers) {
      const text = key.slice(ASKER_PREFIX.length, key.lastIndexOf('\u0000'));
      const entry = held.get(text);
      // A person whose watch record is gone was answered in the moments before a crash: drop the leftover.
      if (entry) entry.askers.set(asker.id, asker);
      else await store.delete(key);
    }
    await adoptEarlierWatches();
  }
  const ready = () => {
    loaded ??= load();
    return loaded;
  };

  const askerKey = (text: string, askerId: string) => `${ASKER_PREFIX}${text}\u0000${askerId}`;
  const countIn = (workspace: string) => watchesIn.get(workspace) ?? 0;

  return {
    async join(key, asker, caps: WatchCaps, now, options = {}): Promise<JoinOutcome> {
      await ready();
      const text = watchKeyText(key);
      const existing = held.get(text);
      if (existing) {
        const last = existing.lastStatus;
        const joiner = last ? { ...asker, heard: last.state } : asker;
        existing.askers.set(asker.id, joiner);
        await store.set(askerKey(text, asker.id), joiner);
        return { kind: 'joined', watch: existing.watch, lastStatus: existing.lastStatus };
      }
      if (held.size >= caps.total) return { kind: 'full', scope: 'bot', limit: caps.total };
      if (countIn(key.workspace) >= caps.perWorkspace) {
        return { kind: 'full', scope: 'workspace', limit: caps.perWorkspace };
      }
      const generation = (generations.get(text) ?? 0) + 1;
      generations.set(text, generation);
      const watch: StoredWatch = {
        workspace: key.workspace,
        jobId: key.jobId,
        startedAt: now,
        generation,
        ...(options.webhookExpected ? { webhookExpected: true } : {}),
      };
      hold(text, { watch, askers: new Map([[asker.id, asker]]), lastStatus: undefined });
      await store.set(`${WATCH_PREFIX}${text}`, watch);
      await store.set(askerKey(text, asker.id), asker);
      return { kind: 'started', watch };
    },
    async askers(key) {
      await ready();
      return [...(held.get(watchKeyText(key))?.askers.values() ?? [])];
    },
    async updateAsker(key, asker) {
      await ready();
      const text = watchKeyText(key);
      const entry = held.get(text);
      if (!entry?.askers.has(asker.id)) return;
      entry.askers.set(asker.id, asker);
      await store.set(askerKey(text, asker.id), asker);
    },
    async setLastStatus(key, status) {
      const entry = held.get(watchKeyText(key));
      // Kept in memory only: a restart checks the job again before anyone could join and need it.
      if (entry) entry.lastStatus = status;
    },
    async claim(key, askerId) {
      // One process: a claim lives as long as the process; a crash clears them all, which is the retry.
      const text = `${watchKeyText(key)}\u0000${askerId}`;
      if (claims.has(text)) return false;
      claims.add(text);
      return true;
    },
    async release(key, askerId) {
      claims.delete(`${watchKeyText(key)}\u0000${askerId}`);
    },
    async finish(key, askerId) {
      await ready();
      const text = watchKeyText(key);
      claims.delete(`${text}\u0000${askerId}`);
      if (held.get(text)?.askers.delete(askerId)) await store.delete(askerKey(text, askerId));
    },
    async endIfEmpty(key) {
      await ready();
      const text = watchKeyText(key);
      const entry = held.get(text);
      if (!entry) return true;
      if (entry.askers.size > 0) return false;
      drop(text, entry.watch.workspace);
      await store.delete(`${WATCH_PREFIX}${text}`);
      return true;
    },
    async get(key) {
      await ready();
      return held.get(watchKeyText(key))?.watch;
    },
    async list() {
      await ready();
      return [...held.values()].map((entry) => entry.watch);
    },
    async forgetWorkspace(workspace) {
      await ready();
      const gone = [...held].filter(([, entry]) => entry.watch.workspace === workspace);
      // Memory first, before any await: a turn running meanwhile already finds no watch.
      for (const [text] of gone) drop(text, workspace);
      for (const [text, entry] of gone) {
        for (const askerId of entry.askers.keys()) {
          claims.delete(`${text}\u0000${askerId}`);
          await store.delete(askerKey(text, askerId));
        }
        await store.delete(`${WATCH_PREFIX}${text}`);
      }
      return gone.length;
    },
    async close() {},
  };
}

/** A person of an earlier version's watch: its platform read from the address the adapter stored then. */
function adoptedAsker(subscriber: EarlierWatch['subscribers'][number]): StoredAsker {
  const address = subscriber.delivery as { platform?: unknown; kind?: unknown } | null;
  const platform = String(address?.platform ?? address?.kind ?? 'unknown');
  // Earlier versions kept Discord's interaction token as it was; it is not carried over (nothing here could
  // seal it), so such a person is answered in the bot's own channel messages.
  const { interactionToken: _dropped, ...kept } = (address ?? {}) as Record<string, unknown>;
  return {
    id: subscriber.id,
    platform,
    requesterId: subscriber.requesterId,
    mention: platform === 'console' ? 'you' : `<@${subscriber.requesterId}>`,
    joinedAt: subscriber.joinedAt,
    address: kept,
    ...(subscriber.finalAttempts ? { finalAttempts: subscriber.finalAttempts } : {}),
  };
}
