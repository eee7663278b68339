/** Runs a child process to its end and keeps what it printed: the one way tests run a command and wait. */
import { type SpawnOptions, spawn } from 'node:child_process';

/** What a finished command left behind. */
export interface FinishedRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args`, writes `stdin` to it, and kills it after `timeoutMs`. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { stdin?: string; timeoutMs: number },
): Promise<FinishedRun> {
  const { stdin, timeoutMs, ...spawnOptions } = options;
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    // A command that exits without reading its input (a usage error) must not fail the test with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(stdin ?? '');
  });
}
