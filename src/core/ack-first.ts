/**
 * Acknowledgements before everything else. Discord and Slack give a command 3 s to be acknowledged, and a
 * crowd of commands brings a lot of work after each ack (a key read, a stored watch, checks, progress edits,
 * uploads). On one event loop that work, started eagerly, queues the next commands' acks behind it. So the
 * adapters mark each command as waiting for its ack from the moment it reaches the process until the ack is
 * sent, and background work (what a command does after its ack, and every watch turn) starts only when no ack
 * waits: it yields to them, and runs at most `concurrency` commands' work at once.
 */

/** The scheduler the adapters and the watcher share. */
export interface AckFirst {
  /** A command reached the process and waits for its ack; call the returned function once it is sent. */
  awaitingAck(): () => void;
  /** Resolves once no ack waits (or after `maxYieldMs`, so a flood of commands does not starve the rest). */
  yieldToAcks(): Promise<void>;
  /** Runs `work` after the acks waiting now, within the concurrency bound; its result is `work`'s. */
  afterAck<T>(work: () => Promise<T>): Promise<T>;
  /** Acks waiting right now. */
  readonly waiting: number;
}

export interface AckFirstOptions {
  /** Commands' after-ack work running at once; the rest waits in order. */
  concurrency?: number;
  /** The longest background work waits on a continuous stream of acks. */
  maxYieldMs?: number;
}

/** Builds the scheduler. */
export function createAckFirst(options: AckFirstOptions = {}): AckFirst {
  const concurrency = options.concurrency ?? 16;
  const maxYieldMs = options.maxYieldMs ?? 100;
  let waiting = 0;
  let yielders: (() => void)[] = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let running = 0;
  const queued: (() => void)[] = [];

  function flush(): void {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    const ready = yielders;
    yielders = [];
    for (const resume of ready) resume();
  }

  function yieldToAcks(): Promise<void> {
    // setImmediate runs after the poll phase: commands whose bytes already arrived are read (and counted as
    // waiting) before this decides.
    return new Promise((resolve) =>
      setImmediate(() => {
        if (waiting === 0) return resolve();
        yielders.push(resolve);
        flushTimer ??= setTimeout(flush, maxYieldMs);
      }),
    );
  }

  function nextQueued(): void {
    const start = queued.shift();
    if (start) start();
    else running--;
  }

  return {
    awaitingAck() {
      waiting++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        waiting--;
        if (waiting === 0 && yielders.length > 0) setImmediate(() => waiting === 0 && flush());
      };
    },
    yieldToAcks,
    async afterAck(work) {
      // A slot is handed from one finished work to the next queued one, so the order of arrival is kept.
      if (running < concurrency) running++;
      else await new Promise<void>((resolve) => queued.push(resolve));
      try {
        await yieldToAcks();
        return await work();
      } finally {
        nextQueued();
      }
    },
    get waiting() {
      return waiting;
    },
  };
}
