/**
 * Bolt and @slack/web-api log through this adapter onto the bot's own (redacting, scrubbing) logger, never
 * the console. Its level never goes below info: Bolt's debug lines print request payloads, and a modal's
 * payload carries the API key an admin typed.
 */
import { type Logger as BoltLogger, LogLevel } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';

const RANK: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 0,
  [LogLevel.INFO]: 1,
  [LogLevel.WARN]: 2,
  [LogLevel.ERROR]: 3,
};

/** A Bolt logger writing to `logger`; `setLevel(DEBUG)` is clamped to info. */
export function createBoltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  let name = 'bolt';

  const write = (at: Exclude<LogLevel, LogLevel.DEBUG>, args: unknown[]) => {
    if (RANK[at] < RANK[level]) return;
    const words: string[] = [];
    let err: Error | undefined;
    let omitted = 0;
    for (const arg of args) {
      if (typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'boolean')
        words.push(String(arg));
      else if (arg instanceof Error && err === undefined) err = arg;
      // Objects may be event payloads; they are counted, never printed.
      else omitted++;
    }
    const fields = { component: name, ...(err ? { err } : {}), ...(omitted > 0 ? { omitted } : {}) };
    logger[at](fields, words.join(' ') || err?.message || 'Bolt log entry');
  };

  return {
    debug() {
      // Dropped on purpose: see the module comment.
    },
    info: (...args: unknown[]) => write(LogLevel.INFO, args),
    warn: (...args: unknown[]) => write(LogLevel.WARN, args),
    error: (...args: unknown[]) => write(LogLevel.ERROR, args),
    setLevel(next: LogLevel) {
      level = RANK[next] < RANK[LogLevel.INFO] ? LogLevel.INFO : next;
    },
    getLevel: () => level,
    setName(next: string) {
      name = next;
    },
  };
}
