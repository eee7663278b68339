/**
 * The core's `KeyValueStore` on keyv: SQLite (embedded default, one file) or Redis (several instances).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import KeyvRedis from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import type { StoreLocation } from '../config.js';
import type { KeyValueStore, Logger } from '../core/ports.js';

/** Opens the store at `location`. For SQLite the directory is created; the file is created on first use. */
export function createKeyvStore(location: StoreLocation, logger: Logger): KeyValueStore {
  const adapter =
    location.kind === 'sqlite'
      ? sqliteAdapter(location.path)
      : new KeyvRedis(location.url, { throwOnConnectError: true, connectionTimeout: 5_000 });
  const keyv = new Keyv({ store: adapter, namespace: 'skidio', useKeyPrefix: true });
  // keyv re-emits adapter errors; without a listener an emitted 'error' would end the process.
  keyv.on('error', (error: unknown) => logger.error({ err: error, store: location.kind }, 'store error'));

  return {
    async get<T>(key: string) {
      return (await keyv.get<T>(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      const ok = await keyv.set(key, value, ttlMs);
      if (ok === false) throw new Error(`the store refused to write ${key.split(':')[0]}`);
    },
    async delete(key) {
      return keyv.delete(key);
    },
    async *entries<T>(prefix: string): AsyncIterable<[string, T]> {
      // Both adapters iterate their namespace; a prefix scan keeps the core free of per-store key listing.
      if (!keyv.iterator) throw new Error('this store cannot list its entries');
      for await (const [key, value] of keyv.iterator(undefined)) {
        if (typeof key === 'string' && key.startsWith(prefix)) yield [key, value as T];
      }
    },
    async ping() {
      try {
        await keyv.set('health:ping', Date.now(), 60_000);
        return (await keyv.get('health:ping')) !== undefined;
      } catch {
        return false;
      }
    },
    async close() {
      await keyv.disconnect();
    },
  };
}

function sqliteAdapter(path: string): KeyvSqlite {
  mkdirSync(dirname(path), { recursive: true });
  return new KeyvSqlite({ uri: `sqlite://${path}`, table: 'skidio', busyTimeout: 5_000 });
}
