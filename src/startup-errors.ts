/**
 * Start-up failures that the configuration check cannot see (a store directory the bot may not write, a
 * `STORE_URL` under a file, Redis not answering, a port already taken), turned into one line that names the
 * variable and the fix. The error itself (with its stack) is for the debug log only.
 */
import { dirname } from 'node:path';
import type { Config } from './config.js';

/** One line for the operator, and the variable it is about when there is one. */
export interface StartupFailure {
  line: string;
  variable?: 'STORE_URL' | 'PORT';
  /** The system or library error code found in the error or its causes, e.g. `EADDRINUSE`. */
  code?: string;
}

interface CodedError {
  code?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** The error and its causes, outermost first (bounded, in case of a cycle). */
function chainOf(error: unknown): CodedError[] {
  const chain: CodedError[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && chain.length < 8) {
    chain.push(current as CodedError);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** `redis://user:password@host:6379/0` → `host:6379`: never the password. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured address';
  }
}

const runAs = () => (typeof process.getuid === 'function' ? ` (uid ${process.getuid()})` : '');

/** Describes why the bot could not start; unknown errors keep their own message. */
export function describeStartupFailure(
  error: unknown,
  config: Pick<Config, 'store' | 'port'>,
): StartupFailure {
  const chain = chainOf(error);
  const coded = chain.find((item) => typeof item.code === 'string');
  const code = typeof coded?.code === 'string' ? coded.code : undefined;
  const syscall = typeof coded?.syscall === 'string' ? coded.syscall : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const withCode = (failure: Omit<StartupFailure, 'code'>): StartupFailure =>
    code ? { ...failure, code } : failure;

  if (syscall === 'listen' && code === 'EADDRINUSE') {
    return withCode({
      variable: 'PORT',
      line: `PORT ${config.port} is already in use (EADDRINUSE): stop what listens there, or set PORT to a free port.`,
    });
  }
  if (syscall === 'listen' && (code === 'EACCES' || code === 'EPERM')) {
    return withCode({
      variable: 'PORT',
      line: `PORT ${config.port} needs privileges the bot does not have (${code}): use a port above 1023, such as 3000, and publish or proxy it.`,
    });
  }
  const store = config.store;
  if (store.kind === 'sqlite') {
    const directory = dirname(store.path);
    if (code === 'ENOTDIR' || (code === 'EEXIST' && syscall === 'mkdir')) {
      return withCode({
        variable: 'STORE_URL',
        line:
          `STORE_URL points under a file: ${directory} cannot be a directory (${code}). ` +
          'Point STORE_URL at a file in a directory, such as sqlite://data/skidio.sqlite.',
      });
    }
    if (code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return withCode({
        variable: 'STORE_URL',
        line:
          `STORE_URL: the SQLite file ${store.path} cannot be opened (${code}). Make ${directory} a writable ` +
          `directory for the user the bot runs as${runAs()} (in Docker, the data volume must belong to it), ` +
          'or point STORE_URL somewhere that is.',
      });
    }
  }
  if (store.kind === 'redis') {
    const redisDown =
      ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(
        code ?? '',
      ) || chain.some((item) => typeof item.message === 'string' && /redis/i.test(item.message));
    if (redisDown) {
      return withCode({
        variable: 'STORE_URL',
        line:
          `STORE_URL: Redis at ${redisAddress(store.url)} is not answering${code ? ` (${code})` : ''}. ` +
          'Start Redis there, or fix STORE_URL.',
      });
    }
  }
  return withCode({ line: message.split('\n')[0] ?? message });
}
