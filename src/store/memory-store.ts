/** An in-memory `KeyValueStore`, for unit tests and benchmarks that measure the bot rather than the disk. */
import type { KeyValueStore } from '../core/ports.js';

/** Builds an empty in-memory store. Values are copied through JSON, as a real store would. */
export function createMemoryStore(): KeyValueStore & { snapshot(): Map<string, unknown> } {
  const entries = new Map<string, { json: string; expiresAt: number | undefined }>();
  return {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
        entries.delete(key);
        return undefined;
      }
      return JSON.parse(entry.json) as T;
    },
    async set(key, value, ttlMs) {
      entries.set(key, {
        json: JSON.stringify(value),
        expiresAt: ttlMs === undefined ? undefined : Date.now() + ttlMs,
      });
    },
    async delete(key) {
      return entries.delete(key);
    },
    async *entries<T>(prefix: string): AsyncIterable<[string, T]> {
      for (const [key, entry] of [...entries]) {
        if (key.startsWith(prefix) && (entry.expiresAt === undefined || entry.expiresAt > Date.now())) {
          yield [key, JSON.parse(entry.json) as T];
        }
      }
    },
    async ping() {
      return true;
    },
    async close() {},
    snapshot() {
      return new Map([...entries].map(([key, entry]) => [key, JSON.parse(entry.json) as unknown]));
    },
  };
}
