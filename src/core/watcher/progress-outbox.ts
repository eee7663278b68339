/**
 * Progress edits never hold up a watch. A turn hands each person's new state to the outbox and goes on to its
 * next check; the outbox sends one edit per person at a time, and when a newer state arrives while an edit is
 * still going out (a platform throttling the bot), the one waiting behind it is replaced: only the latest state
 * of a message is worth sending. The final reply first settles the person's edits, so no progress edit can
 * land after it.
 */
import type { Logger } from '../ports.js';

export interface ProgressOutbox {
  /** Sends `deliver` for `askerId` once their edit in flight (if any) is done, replacing one still waiting. */
  send(askerId: string, deliver: () => Promise<void>): void;
  /** Drops the person's waiting edit and resolves once the one in flight is done. */
  settle(askerId: string): Promise<void>;
  /** Resolves once no edit is waiting or in flight. */
  idle(): Promise<void>;
}

interface Lane {
  inFlight: Promise<void>;
  waiting: (() => Promise<void>) | undefined;
}

export function createProgressOutbox(logger: Logger): ProgressOutbox {
  const lanes = new Map<string, Lane>();

  function run(askerId: string, deliver: () => Promise<void>): Lane {
    const lane: Lane = { inFlight: Promise.resolve(), waiting: undefined };
    lane.inFlight = (async () => {
      let next: (() => Promise<void>) | undefined = deliver;
      while (next) {
        // `tell` reports the platform's refusals itself; what reaches here is the store failing.
        await next().catch((error: unknown) => logger.warn({ err: error }, 'a progress edit failed'));
        next = lane.waiting;
        lane.waiting = undefined;
      }
      lanes.delete(askerId);
    })();
    return lane;
  }

  return {
    send(askerId, deliver) {
      const lane = lanes.get(askerId);
      if (lane) lane.waiting = deliver;
      else lanes.set(askerId, run(askerId, deliver));
    },
    async settle(askerId) {
      const lane = lanes.get(askerId);
      if (!lane) return;
      lane.waiting = undefined;
      await lane.inFlight;
    },
    async idle() {
      while (lanes.size > 0) await Promise.all([...lanes.values()].map((lane) => lane.inFlight));
    },
  };
}
