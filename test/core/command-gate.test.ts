/**
 * The shutdown gate through `dispatch`: once closed, every command gets the "restarting" reply and its
 * handler never runs; commands already running are counted until they finish.
 */
import { describe, expect, it } from 'vitest';
import type { CommandDefinition, CommandServices, ReplySurface } from '../../src/core/command.js';
import { createCommandGate } from '../../src/core/command-gate.js';
import { dispatch } from '../../src/core/dispatch.js';
import { BOT_RESTARTING_TEXT } from '../../src/core/messages.js';
import { silentLogger, systemClock } from '../../src/core/ports.js';
import type { JobWatcher } from '../../src/core/watcher/types.js';
import type { WorkspaceKeyStore } from '../../src/core/workspace-key-store.js';

function command(handler: CommandDefinition['handler']): CommandDefinition {
  return {
    path: ['test'],
    description: 'a test command',
    options: [],
    adminOnly: false,
    isPrivate: () => false,
    longRunning: false,
    handler,
  };
}

function surface(): ReplySurface & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    delivery: {},
    async progress() {},
    async result() {},
    async error(text) {
      errors.push(text);
    },
    async privateText() {},
  };
}

function services(gate: CommandServices['gate']): CommandServices {
  return {
    keys: {} as WorkspaceKeyStore,
    watcher: {} as JobWatcher,
    clock: systemClock,
    logger: silentLogger,
    commands: [],
    ...(gate ? { gate } : {}),
  };
}

const requester = { id: 'U1', displayName: 'someone', mention: '@someone', isAdmin: false };

describe('the shutdown gate', () => {
  it('answers every command with the restarting reply once closed, without running it', async () => {
    const gate = createCommandGate(systemClock);
    let ran = 0;
    const counted = command(async () => {
      ran++;
    });
    const before = surface();
    await dispatch(
      { platform: 'test', workspace: 'ws', requester, command: counted, options: {} },
      before,
      services(gate),
    );
    gate.close();
    const after = surface();
    await dispatch(
      { platform: 'test', workspace: 'ws', requester, command: counted, options: {} },
      after,
      services(gate),
    );
    expect(ran).toBe(1);
    expect(before.errors).toEqual([]);
    expect(after.errors).toEqual([BOT_RESTARTING_TEXT]);
  });

  it('counts commands still running, and stops waiting for them after the grace period', async () => {
    const gate = createCommandGate(systemClock);
    let finish = () => {};
    const slow = command(() => new Promise<void>((resolve) => (finish = resolve)));
    const running = dispatch(
      { platform: 'test', workspace: 'ws', requester, command: slow, options: {} },
      surface(),
      services(gate),
    );
    gate.close();
    expect(await gate.drained(10)).toBe(false);
    const drained = gate.drained(5_000);
    finish();
    await running;
    expect(await drained).toBe(true);
    expect(await gate.drained(0)).toBe(true);
  });
});

describe('the start-up hold', () => {
  it('keeps acknowledged commands waiting until the stored watches are resumed, then runs them', async () => {
    const gate = createCommandGate(systemClock);
    const order: string[] = [];
    const recorded = command(async () => {
      order.push('command ran');
    });
    gate.hold();
    const waiting = dispatch(
      { platform: 'test', workspace: 'ws', requester, command: recorded, options: {} },
      surface(),
      services(gate),
    );
    await new Promise((resolve) => setImmediate(resolve));
    order.push('watches resumed');
    gate.release();
    await waiting;
    expect(order).toEqual(['watches resumed', 'command ran']);
  });
});
