import { describe, expect, it } from 'vitest';
import { createMemoryWatchState } from '../../../src/core/watcher/memory-watch-state.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';

describe('the one-process watch state', () => {
  it('takes over the watches an earlier version stored, without the raw interaction token', async () => {
    const store = createMemoryStore();
    const discord = {
      platform: 'discord',
      channelId: '3',
      requesterId: '42',
      interactionToken: 'raw-token-123',
    };
    await store.set('watch:["discord:1","job-old"]', {
      workspace: 'discord:1',
      jobId: 'job-old',
      startedAt: 1_000,
      subscribers: [
        { id: 'a', requesterId: '42', joinedAt: 1_000, delivery: discord, finalAttempts: 2 },
        {
          id: 'b',
          requesterId: 'U7',
          joinedAt: 1_500,
          delivery: { kind: 'slack', channelId: 'C1', userId: 'U7' },
        },
      ],
    });
    const state = createMemoryWatchState(store);
    const key = { workspace: 'discord:1', jobId: 'job-old' };
    expect(await state.list()).toEqual([{ ...key, startedAt: 1_000, generation: 1 }]);
    const askers = await state.askers(key);
    expect(askers.map((asker) => [asker.id, asker.platform, asker.mention, asker.finalAttempts])).toEqual([
      ['a', 'discord', '<@42>', 2],
      ['b', 'slack', '<@U7>', undefined],
    ]);
    const stored = JSON.stringify([...store.snapshot()]);
    expect(stored).not.toContain('raw-token-123');
    expect([...store.snapshot().keys()].some((name) => name.startsWith('watch:'))).toBe(false);
    // A later start finds them in the new form.
    expect(await createMemoryWatchState(store).askers(key)).toHaveLength(2);
  });
});
