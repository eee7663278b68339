/**
 * The door commands come through, which shutdown closes. Adapters acknowledge a command before they dispatch
 * it, so one flag checked in `dispatch` answers late commands on every platform the same way (with the
 * "restarting" reply); the count of commands still running lets shutdown wait for their replies.
 */
import { type Clock, settlesWithin } from './ports.js';

/** Open until `close()`; counts what runs through it. */
export interface CommandGate {
  /** True once the bot is shutting down: new commands get the "restarting" reply. */
  readonly closed: boolean;
  close(): void;
  /** Counts `work` as running until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves true once nothing is running, or false after `ms`. */
  drained(ms: number): Promise<boolean>;
  /**
   * Holds commands, already acknowledged, until `release()`. Start-up holds them while it resumes the watches an
   * earlier process stored, so a new command for the same job joins those people instead of replacing them.
   */
  hold(): void;
  release(): void;
  /** Resolves while the gate is not held. */
  readonly ready: Promise<void>;
}

/** Builds an open gate. */
export function createCommandGate(clock: Clock): CommandGate {
  let closed = false;
  let running = 0;
  let ready = Promise.resolve();
  let release = () => {};
  const waiters = new Set<() => void>();

  return {
    get closed() {
      return closed;
    },
    get ready() {
      return ready;
    },
    hold() {
      ready = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
    release() {
      release();
    },
    close() {
      closed = true;
    },
    track(work) {
      running++;
      const settled = () => {
        running--;
        if (running === 0) for (const wake of waiters) wake();
      };
      void work.then(settled, settled);
      return work;
    },
    async drained(ms) {
      if (running === 0) return true;
      let wake = () => {};
      const empty = new Promise<void>((resolve) => {
        wake = resolve;
        waiters.add(wake);
      });
      const result = await settlesWithin(empty, ms, clock);
      waiters.delete(wake);
      return result;
    },
  };
}
