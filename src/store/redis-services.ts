/**
 * Everything several instances share through one Redis (`STORE_URL=redis://…`): the watch state, the BullMQ
 * queue that runs the watches' turns, the command limits' counters, and the Discord gateway lease. Loaded only
 * when the store is Redis: a SQLite deployment never loads ioredis or BullMQ.
 */
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../core/ports.js';
import { createBullMqEngine } from '../core/watcher/bullmq-engine.js';
import type { WatchEngine } from '../core/watcher/engine.js';
import type { JobDurations } from '../core/watcher/job-durations.js';
import type { WatchState } from '../core/watcher/watch-state.js';
import { createRedisJobDurations } from './redis-job-durations.js';
import { createRedisLease, type Lease } from './redis-lease.js';
import { createRedisWatchState } from './redis-watch-state.js';

/** Every key the bot writes to Redis outside keyv starts with this (keyv keeps its own namespace). */
export const REDIS_PREFIX = 'skidio:';

/** How long start-up waits for Redis to answer a PING before it says so. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The Redis-backed services. */
export interface RedisServices {
  client: Redis;
  prefix: string;
  watchState: WatchState;
  engine: WatchEngine;
  /** Job durations learned by every instance, for the polling planner. */
  durations: JobDurations;
  /** A lease for one holder at a time across the deployment (the Discord gateway). */
  lease(name: string, holder: string): Lease;
  close(): Promise<void>;
}

/** Thrown when Redis does not answer at start-up; names the variable to check. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

/** Connects and checks Redis, then builds the services on it. */
export async function connectRedisServices(
  url: string,
  options: { logger: Logger; concurrency: number; prefix?: string },
): Promise<RedisServices> {
  const prefix = options.prefix ?? REDIS_PREFIX;
  const { logger } = options;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Commands fail fast while Redis is away (the watch turn retries later) instead of piling up.
    maxRetriesPerRequest: 2,
  });
  // Until the first PING answers, a failure is the one start-up error below, not a log line per retry.
  const quiet = () => {};
  client.on('error', quiet);
  try {
    await client.connect();
    await client.ping();
    client.off('error', quiet);
    client.on('error', (error: Error) => logger.warn({ reason: error.message }, 'Redis connection error'));
  } catch (error) {
    client.disconnect();
    throw new RedisUnreachableError(
      `Redis at STORE_URL did not answer (${(error as Error).message}): start Redis or fix STORE_URL.`,
      { cause: error },
    );
  }
  const engine = createBullMqEngine({
    // BullMQ's own connections wait for Redis rather than fail a command (its workers need that).
    connection: { ...client.options, lazyConnect: false, maxRetriesPerRequest: null } as ConnectionOptions,
    prefix: `${prefix}bull`,
    concurrency: options.concurrency,
    logger: logger.child({ component: 'watch-queue' }),
  });
  return {
    client,
    prefix,
    watchState: createRedisWatchState(client, { prefix }),
    durations: createRedisJobDurations(client, { prefix }),
    engine,
    lease: (name, holder) =>
      createRedisLease(client, {
        key: `${prefix}lease:${name}`,
        holder,
        logger: logger.child({ lease: name }),
      }),
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
