/**
 * Runs one of the bot's entry points from source (`src/...ts` through tsx) in a child process, in any working
 * directory: tests of `.env`, start-up errors and the console run it in a temporary directory of their own.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type FinishedRun, runToEnd } from './run-to-end.js';

/** What a finished entry point left behind. */
export type EntryRun = FinishedRun;

const repoRoot = resolve(import.meta.dirname, '../..');
// An absolute loader URL: `--import tsx` would be resolved from the child's working directory.
const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs `script` (a path under the repository, e.g. `src/main.ts`) to its end, with exactly `env` plus PATH. */
export function runEntry(
  script: string,
  options: { args?: string[]; cwd: string; env?: Record<string, string>; stdin?: string; timeoutMs?: number },
): Promise<EntryRun> {
  return runToEnd(
    process.execPath,
    ['--import', tsxLoader, resolve(repoRoot, script), ...(options.args ?? [])],
    {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      timeoutMs: options.timeoutMs ?? 15_000,
    },
  );
}
