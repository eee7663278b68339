/**
 * Command rate limits per person and per workspace, on rate-limiter-flexible's in-memory limiter: counting
 * happens in the process, with no I/O on the path to the ack. With several instances each enforces its own
 * share, which is enough to stop one person flooding a channel.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { CommandLimiter } from '../core/command.js';
import { TooManyCommandsError } from '../core/errors.js';

/** Commands allowed per minute; 0 turns a limit off. */
export interface CommandLimits {
  perUserPerMinute: number;
  perWorkspacePerMinute: number;
}

/** Builds the limiter. A person is limited before their workspace is charged. */
export function createCommandLimiter(limits: CommandLimits): CommandLimiter {
  const perUser =
    limits.perUserPerMinute > 0
      ? new RateLimiterMemory({ points: limits.perUserPerMinute, duration: 60 })
      : undefined;
  const perWorkspace =
    limits.perWorkspacePerMinute > 0
      ? new RateLimiterMemory({ points: limits.perWorkspacePerMinute, duration: 60 })
      : undefined;

  async function take(
    limiter: RateLimiterMemory | undefined,
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
