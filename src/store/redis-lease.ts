/**
 * A lease on one Redis key: at most one instance holds it at a time (for work that must run once per deployment,
 * such as a periodic sweep). The holder renews it; a dead holder's lease expires after `ttlMs`, so another
 * instance takes over within `ttlMs + renewEveryMs`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/ports.js';

/** A lease that `run` keeps trying to take, and renews once held. */
export interface Lease {
  /**
   * Starts trying. `onAcquired` runs each time the lease is taken, `onLost` each time it is lost (another
   * holder, or Redis unreachable for longer than the ttl). The two are never run at the same time.
   */
  run(onAcquired: () => Promise<void>, onLost: () => Promise<void>): void;
  /** Stops trying and renewing, and deletes the key if this instance still holds it (`onLost` is not run). */
  release(): Promise<void>;
  /** True while this instance believes it holds the lease. */
  held(): boolean;
}

/** Options of `createRedisLease`. `holder` must be unique per instance (host and pid, or a UUID). */
export interface RedisLeaseOptions {
  key: string;
  ttlMs?: number;
  renewEveryMs?: number;
  holder: string;
  logger: Logger;
}

/** Renews only our own lease: a plain PEXPIRE could extend a lease another instance took after ours expired. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes only our own lease. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Builds the lease; nothing happens until `run`. The caller owns `redis` and closes it after `release`. */
export function createRedisLease(redis: Redis, options: RedisLeaseOptions): Lease {
  const { key, holder, logger } = options;
  const ttlMs = options.ttlMs ?? 15_000;
  const renewEveryMs = options.renewEveryMs ?? 5_000;
  let holding = false;
  let lastRenewedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let stopped = false;
  // Callbacks run one after another, so an `onLost` never overlaps the `onAcquired` before it.
  let transitions: Promise<void> = Promise.resolve();
  let callbacks: { acquired: () => Promise<void>; lost: () => Promise<void> } | undefined;

  const transition = (name: 'acquired' | 'lost') => {
    const callback = callbacks?.[name];
    if (!callback) return;
    transitions = transitions.then(callback).catch((error: unknown) => {
      const err = error instanceof Error ? error.message : String(error);
      logger.error({ key, err }, `lease ${name} callback failed`);
    });
  };

  const lose = (reason: string) => {
    holding = false;
    logger.warn({ key, reason }, 'lease lost');
    transition('lost');
  };

  async function attempt(): Promise<void> {
    if (!holding) {
      if ((await redis.set(key, holder, 'PX', ttlMs, 'NX')) !== 'OK') return;
      if (stopped) {
        // Released while the SET was on its way: give the key back rather than block others for a ttl.
        await redis.eval(RELEASE, 1, key, holder);
        return;
      }
      holding = true;
      lastRenewedAt = Date.now();
      logger.info({ key }, 'lease acquired');
      transition('acquired');
      return;
    }
    const renewed = await redis.eval(RENEW, 1, key, holder, ttlMs);
    if (stopped || !holding) return;
    if (renewed === 1) lastRenewedAt = Date.now();
    else lose('another instance holds it');
  }

  async function tick(): Promise<void> {
    // Redis may be slow or down: a renewal still pending must not make the lease outlive its ttl unnoticed.
    if (holding && Date.now() - lastRenewedAt > ttlMs) lose('not renewed within its ttl');
    if (busy) return;
    busy = true;
    try {
      await attempt();
    } catch (error) {
      const err = error instanceof Error ? error.message : String(error);
      logger.warn({ key, err }, 'lease check failed');
      if (holding && Date.now() - lastRenewedAt > ttlMs) lose('not renewed within its ttl');
    } finally {
      busy = false;
    }
  }

  return {
    run(onAcquired, onLost) {
      if (callbacks) return;
      callbacks = { acquired: onAcquired, lost: onLost };
      void tick();
      timer = setInterval(() => void tick(), renewEveryMs);
      timer.unref();
    },
    async release() {
      stopped = true;
      clearInterval(timer);
      const wasHolding = holding;
      holding = false;
      if (wasHolding) await redis.eval(RELEASE, 1, key, holder);
      await transitions;
    },
    held: () => holding,
  };
}
