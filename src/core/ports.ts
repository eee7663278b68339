/**
 * The small interfaces the core needs from the outside world. The edges implement them (pino for `Logger`,
 * keyv for `KeyValueStore`); tests pass their own. The core imports no platform, logger or store library.
 */

/** A structured logger; pino's `Logger` satisfies it. Never pass a secret in `fields`. */
export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A JSON key/value store with optional expiry. Values must be plain JSON. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Every entry whose key starts with `prefix`, in no particular order. */
  entries<T>(prefix: string): AsyncIterable<[key: string, value: T]>;
  /** True when the store answers; used by readiness checks. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Time, injectable so tests and benchmarks can drive it. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A workspace: `discord:<guild>`, `slack:<team>` (or `slack:<enterprise>:<team>`), or `console:local`. */
export type WorkspaceId = string;

/** A logger that drops everything, for callers that do not care. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** True when `work` settles within `ms` of `clock` time; false when the time ran out first. */
export async function settlesWithin(work: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  const timer = new AbortController();
  const timedOut = clock.sleep(ms, timer.signal).then(
    () => false,
    () => false,
  );
  const settled = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, timedOut]);
  timer.abort();
  return result;
}
