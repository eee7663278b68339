/**
 * The bot as production runs it: `node --import tsx src/main.ts` in a child process, configured only through
 * its environment. Tests read its JSON log lines, send it signals and wait for its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** A running bot process. */
export interface BotProcess {
  readonly child: ChildProcess;
  /** Parsed log lines so far (stdout); lines that are not JSON are kept as `{ msg: line }`. */
  readonly logs: Record<string, unknown>[];
  /** Everything written to stderr. */
  stderr(): string;
  /** The first log line (past or future) matching `predicate`; rejects after `timeoutMs` or at exit. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A port nobody listens on right now (the bot's `PORT=0` would not tell us which one it took). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts `src/main.ts` with exactly `env` (plus PATH and HOME); resolves once it logged that it is ready. */
export async function startBotProcess(
  env: Record<string, string>,
  readyTimeoutMs = 20_000,
  options: { built?: boolean; cwd?: string | undefined; nodeArgs?: string[] } = {},
): Promise<BotProcess> {
  // `built`: the compiled bot, as `npm start` runs it (the caller builds dist/ first). `cwd`: another checkout.
  const args = options.built ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    logs.push(parseLine(line));
    for (const wake of waiters) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const waitForLog: BotProcess['waitForLog'] = (predicate, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (logs.some(predicate)) return finish(() => resolve());
        if (gone) return finish(() => reject(new Error(`the bot exited first; stderr:\n${stderr}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no such log line within ${timeoutMs} ms; stderr:\n${stderr}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const bot: BotProcess = { child, logs, stderr: () => stderr, waitForLog, exited };
  try {
    await waitForLog((line) => line.msg === 'skidio-bot is ready', readyTimeoutMs);
  } catch (error) {
    // A bot that never got ready is still a process: left behind, it would hold ports and queue jobs.
    await killBotProcess(bot);
    throw error;
  }
  return bot;
}

function parseLine(line: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : { msg: line };
  } catch {
    return { msg: line };
  }
}

/** Stops a process a test left running (SIGKILL: nothing to wait for). */
export async function killBotProcess(bot: BotProcess | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill('SIGKILL');
  await bot.exited;
}
