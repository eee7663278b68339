/**
 * Command rate limits per person and per workspace, on rate-limiter-flexible. Without Redis the counting
 * happens in the process (no I/O on the path to the ack) and each instance enforces its own share, which is
 * enough to stop one person flooding a channel. With Redis the budget is shared by every instance, so the
 * limits hold for the whole deployment; while Redis fails, each instance falls back to its own in-memory count
 * rather than refusing every command.
 */
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { CommandLimiter } from '../core/command.js';
import { TooManyCommandsError } from '../core/errors.js';

/** Commands allowed per minute; 0 turns a limit off. */
export interface CommandLimits {
  perUserPerMinute: number;
  perWorkspacePerMinute: number;
}

/** Where the counts live: in Redis under `prefix` when `redis` is given (the caller owns the client). */
export interface CommandLimiterOptions {
  redis?: Redis;
  prefix?: string;
}

/** Builds the limiter. A person is limited before their workspace is charged. */
export function createCommandLimiter(
  limits: CommandLimits,
  options: CommandLimiterOptions = {},
): CommandLimiter {
  const build = (points: number, scope: 'user' | 'workspace'): RateLimiterAbstract | undefined => {
    if (points <= 0) return undefined;
    const memory = new RateLimiterMemory({ points, duration: 60 });
    if (!options.redis) return memory;
    return new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.prefix ?? 'skidio:'}limit:${scope}`,
      points,
      duration: 60,
      insuranceLimiter: memory,
    });
  };
  const perUser = build(limits.perUserPerMinute, 'user');
  const perWorkspace = build(limits.perWorkspacePerMinute, 'workspace');

  async function take(
    limiter: RateLimiterAbstract | undefined,
    key: string,
    scope: 'user' | 'workspace',
  ): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw new TooManyCommandsError(scope, rejection.msBeforeNext);
      throw rejection;
    }
  }

  return {
    async consume(workspace, userId) {
      await take(perUser, `${workspace}\u0000${userId}`, 'user');
      await take(perWorkspace, workspace, 'workspace');
    },
  };
}
