import { describe, expect, it } from 'vitest';
import { createAckFirst } from '../../src/core/ack-first.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('acks first', () => {
  it('holds work after an ack while another command waits for its ack, and runs it once that is sent', async () => {
    const scheduler = createAckFirst({ maxYieldMs: 60_000 });
    const acked = scheduler.awaitingAck();
    const ran: string[] = [];
    const work = scheduler.afterAck(async () => {
      ran.push('work');
    });
    for (let index = 0; index < 5; index++) await tick();
    expect(ran).toEqual([]);
    expect(scheduler.waiting).toBe(1);
    acked();
    acked(); // Idempotent: a response's 'finish' and 'close' both call it.
    await work;
    expect(ran).toEqual(['work']);
    expect(scheduler.waiting).toBe(0);
  });

  it('lets background work through after maxYieldMs when acks keep waiting, so a flood starves nothing', async () => {
    const scheduler = createAckFirst({ maxYieldMs: 20 });
    scheduler.awaitingAck(); // never sent
    await scheduler.yieldToAcks();
    expect(scheduler.waiting).toBe(1);
  });

  it('runs at most `concurrency` works at once, in the order they came', async () => {
    const scheduler = createAckFirst({ concurrency: 2 });
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const works = Array.from({ length: 6 }, (_, index) =>
      scheduler.afterAck(async () => {
        running++;
        most = Math.max(most, running);
        order.push(index);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return index;
      }),
    );
    while (order.length < 6) {
      await tick();
      releases.shift()?.();
    }
    for (const release of releases) release();
    expect(await Promise.all(works)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });

  it('frees the slot of a work that throws', async () => {
    const scheduler = createAckFirst({ concurrency: 1 });
    await expect(scheduler.afterAck(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(scheduler.afterAck(async () => 'next')).resolves.toBe('next');
  });
});
