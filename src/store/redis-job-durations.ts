/**
 * Learned job durations on Redis, shared by every instance: one list per key, newest first, trimmed to
 * `RECENT_DURATIONS` and given a fresh expiry in the same transaction as each push.
 */
import type { Redis } from 'ioredis';
import {
  DURATIONS_TTL_MS,
  durationKeyText,
  type JobDurations,
  RECENT_DURATIONS,
} from '../core/watcher/job-durations.js';

/** Builds the Redis durations; keys are `<prefix>durations:<base64url of the key text>`. */
export function createRedisJobDurations(redis: Redis, options: { prefix: string }): JobDurations {
  const keyOf = (text: string) => `${options.prefix}durations:${Buffer.from(text).toString('base64url')}`;
  return {
    async recent(key) {
      const values = await redis.lrange(keyOf(durationKeyText(key)), 0, RECENT_DURATIONS - 1);
      return values.map(Number).filter((value) => Number.isFinite(value) && value >= 0);
    },
    async add(key, durationMs) {
      const redisKey = keyOf(durationKeyText(key));
      await redis
        .multi()
        .lpush(redisKey, String(Math.round(durationMs)))
        .ltrim(redisKey, 0, RECENT_DURATIONS - 1)
        .pexpire(redisKey, DURATIONS_TTL_MS)
        .exec();
    },
  };
}
