/**
 * Runs one of the bot's entry points from source (`src/...ts` through tsx) in a child process, in any working
 * directory: tests of `.env`, start-up errors and the console run it in a temporary directory of their own.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What a finished entry point left behind. */
export interface EntryRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const repoRoot = resolve(import.meta.dirname, '../..');
// An absolute loader URL: `--import tsx` would be resolved from the child's working directory.
const tsxLoader = pathToFileURL(resolve(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href;

/** Runs `script` (a path under the repository, e.g. `src/main.ts`) to its end, with exactly `env` plus PATH. */
export function runEntry(
  script: string,
  options: { args?: string[]; cwd: string; env?: Record<string, string>; stdin?: string; timeoutMs?: number },
): Promise<EntryRun> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', tsxLoader, resolve(repoRoot, script), ...(options.args ?? [])],
      {
        cwd: options.cwd,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    // A command that exits without reading its input (a usage error) must not fail the test with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
