import { describe, expect, it } from 'vitest';
import { TooManyCommandsError } from '../../src/core/errors.js';
import { errorText } from '../../src/core/messages.js';
import { createCommandLimiter } from '../../src/limits/command-limiter.js';

async function refusal(work: Promise<void>): Promise<TooManyCommandsError | undefined> {
  try {
    await work;
    return undefined;
  } catch (error) {
    if (error instanceof TooManyCommandsError) return error;
    throw error;
  }
}

describe('command limiter', () => {
  it('lets a person send their share per minute, then says when to retry', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 3, perWorkspacePerMinute: 0 });
    for (let i = 0; i < 3; i++) await limiter.consume('discord:1', 'U1');
    const refused = await refusal(limiter.consume('discord:1', 'U1'));
    expect(refused?.scope).toBe('user');
    expect(refused?.retryAfterMs).toBeGreaterThan(0);
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(errorText(refused as TooManyCommandsError)).toMatch(
      /^🐢 You're sending commands faster than I take them\. Try again in \d+ s\.$/,
    );
    // Someone else, and the same person in another workspace, are not affected.
    await limiter.consume('discord:1', 'U2');
    await limiter.consume('discord:2', 'U1');
  });

  it('caps a workspace as a whole', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 0, perWorkspacePerMinute: 5 });
    for (let i = 0; i < 5; i++) await limiter.consume('slack:T1', `U${i}`);
    expect((await refusal(limiter.consume('slack:T1', 'U9')))?.scope).toBe('workspace');
    await limiter.consume('slack:T2', 'U9');
  });

  it('is off when both limits are 0', async () => {
    const limiter = createCommandLimiter({ perUserPerMinute: 0, perWorkspacePerMinute: 0 });
    for (let i = 0; i < 500; i++) await limiter.consume('w', 'u');
  });
});
