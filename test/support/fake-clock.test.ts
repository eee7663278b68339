import { describe, expect, it } from 'vitest';
import { createSteppedClock, whileStepping } from './fake-clock.js';

describe('the stepped clock', () => {
  it('ends a sleep only when the test moves time past its end, earliest first, each at its own instant', async () => {
    const clock = createSteppedClock(0);
    const woke: string[] = [];
    const late = clock.sleep(300).then(() => woke.push(`late at ${clock.now()}`));
    const early = clock.sleep(100).then(() => woke.push(`early at ${clock.now()}`));
    await clock.advance(99);
    expect(woke).toEqual([]);
    expect(clock.pending()).toBe(2);
    await clock.advance(1_000);
    await Promise.all([late, early]);
    expect(woke).toEqual(['early at 100', 'late at 300']);
    expect(clock.now()).toBe(1_099);
    expect(clock.sleeps).toEqual([300, 100]);
  });

  it('ends a sleep of 0 ms without a step, and rejects an aborted one with its reason', async () => {
    const clock = createSteppedClock(0);
    await clock.sleep(0);
    const abort = new AbortController();
    const aborted = clock.sleep(5_000, abort.signal);
    abort.abort(new Error('stopping'));
    await expect(aborted).rejects.toThrow('stopping');
    expect(clock.pending()).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('steps while the test waits for work that needs time to pass', async () => {
    const clock = createSteppedClock(0);
    const waited = await whileStepping(
      clock,
      clock.sleep(60_000).then(() => clock.now()),
      10_000,
    );
    expect(waited).toBe(60_000);
  });
});
