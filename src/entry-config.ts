/**
 * The one way every entry point (`npm start`, `npm run console`, `register`, `keys`, `slack:manifest`) reads
 * `.env`: the file in the working directory, when there is one. A variable already set in the environment wins
 * over the file (Node's own rule for `process.loadEnvFile`), so a deployment can override a value without
 * editing the file.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Config, ConfigError, loadConfig } from './config.js';

/** Thrown when `.env` exists but cannot be read; the message names the file and the fix. */
export class EnvFileError extends Error {
  override readonly name = 'EnvFileError';
}

/** Loads `<cwd>/.env` into `process.env` when it exists; returns its path, or undefined when there is none. */
export function loadDotEnv(cwd: string = process.cwd()): string | undefined {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return undefined;
  try {
    process.loadEnvFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EnvFileError(
      `${path} could not be read (${code}): make it readable by the user the bot runs as, or remove it.`,
      { cause: error },
    );
  }
  return path;
}

/**
 * What every entry point does first: `.env`, then the checked configuration. A problem with either is printed
 * as its own message (naming the variable or the file, and the fix) and the process exits 1.
 */
export function readEntryConfig(): Config {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof EnvFileError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
