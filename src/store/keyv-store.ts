/**
 * The core's `KeyValueStore` on keyv: SQLite (embedded default, one file) or Redis (several instances).
 * Only the adapter the configuration names is loaded, on first use: the Redis client alone costs a third of
 * a second of start-up that a SQLite deployment does not need.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Keyv from 'keyv';
import type { StoreLocation } from '../config.js';
import type { KeyValueStore, Logger } from '../core/ports.js';

/** Opens the store at `location`. For SQLite the directory is created; the file is created on first use. */
export function createKeyvStore(location: StoreLocation, logger: Logger): KeyValueStore {
  let opened: Promise<Keyv> | undefined;
  // Until one operation has succeeded, a failing store is reported by that operation's rejection (at start-up:
  // one line naming STORE_URL), not by a stack trace per reconnect attempt.
  let everWorked = false;
  let lastReported = { message: '', at: 0 };
  const reportError = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    const now = Date.now();
    logger.debug({ err: error, store: location.kind }, 'store error (details)');
    if (!everWorked) return;
    // A store that stays down repeats the same error on every reconnect: say it once a minute.
    if (message === lastReported.message && now - lastReported.at < 60_000) return;
    lastReported = { message, at: now };
    logger.error({ store: location.kind, reason: message }, 'store error');
  };
  const open = (): Promise<Keyv> => {
    opened ??= openKeyv(location).then((keyv) => {
      // keyv re-emits adapter errors; without a listener an emitted 'error' would end the process.
      keyv.on('error', reportError);
      return keyv;
    });
    return opened;
  };
  const worked = <T>(value: T): T => {
    everWorked = true;
    return value;
  };

  return {
    async get<T>(key: string) {
      return worked(((await (await open()).get<T>(key)) ?? undefined) as T | undefined);
    },
    async set(key, value, ttlMs) {
      const ok = worked(await (await open()).set(key, value, ttlMs));
      if (ok === false) throw new Error(`the store refused to write ${key.split(':')[0]}`);
    },
    async delete(key) {
      return (await open()).delete(key);
    },
    async *entries<T>(prefix: string): AsyncIterable<[string, T]> {
      const keyv = await open();
      // Both adapters iterate their namespace; a prefix scan keeps the core free of per-store key listing.
      if (!keyv.iterator) throw new Error('this store cannot list its entries');
      for await (const [key, value] of keyv.iterator(undefined)) {
        everWorked = true;
        if (typeof key === 'string' && key.startsWith(prefix)) yield [key, value as T];
      }
      everWorked = true;
    },
    async ping() {
      try {
        const keyv = await open();
        await keyv.set('health:ping', Date.now(), 60_000);
        return worked((await keyv.get('health:ping')) !== undefined);
      } catch {
        return false;
      }
    },
    async close() {
      if (opened) await (await opened).disconnect();
    },
  };
}

async function openKeyv(location: StoreLocation): Promise<Keyv> {
  if (location.kind === 'sqlite') {
    const { default: KeyvSqlite } = await import('@keyv/sqlite');
    mkdirSync(dirname(location.path), { recursive: true });
    const store = new KeyvSqlite({ uri: `sqlite://${location.path}`, table: 'skidio', busyTimeout: 5_000 });
    // A write-ahead log with NORMAL sync: a write appends to the log instead of creating, syncing and deleting a
    // rollback journal, which cost 3.7 times the CPU and 7 times the wall time per write (bench figure 12). A
    // crash of the process loses nothing committed; only a power cut can lose the last commits before a checkpoint.
    await store.query('PRAGMA journal_mode = WAL');
    await store.query('PRAGMA synchronous = NORMAL');
    return new Keyv({ store, namespace: 'skidio', useKeyPrefix: true });
  }
  const { default: KeyvRedis } = await import('@keyv/redis');
  const store = new KeyvRedis(location.url, { throwOnConnectError: true, connectionTimeout: 5_000 });
  return new Keyv({ store, namespace: 'skidio', useKeyPrefix: true });
}
