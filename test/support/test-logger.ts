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
  return {
    logger,
    secrets,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
