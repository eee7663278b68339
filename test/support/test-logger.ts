/**
 * A real pino logger (same redaction and scrubbing as production) whose lines are collected in memory, so a
 * test can assert on what the operator would see, and that no secret is in it.
 */
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger, SecretRegistry } from '../../src/logging.js';

/** The logger, its secret registry, and every line it wrote. */
export interface TestLogger {
  logger: Logger;
  secrets: SecretRegistry;
  lines: string[];
  /** Parsed lines. */
  entries(): Record<string, unknown>[];
  /** Resolves once a line with this message has been written (polling, up to `timeoutMs`). */
  waitForMessage(msg: string, timeoutMs?: number): Promise<void>;
}

/** Builds a debug-level logger that writes JSON lines into `lines`. */
export function createTestLogger(secrets: SecretRegistry = new SecretRegistry()): TestLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(line);
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', secrets, pretty: false, destination });
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logger,
    secrets,
    lines,
    entries,
    async waitForMessage(msg, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!entries().some((entry) => entry.msg === msg)) {
        if (Date.now() > deadline) throw new Error(`no log line "${msg}" within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
