/**
 * What the deployment tests share: running shell commands (optionally as an unprivileged user), a local
 * prebuild of sqlite3 so a production install needs no compiler and no download, and the platform fakes a
 * started bot connects to.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FakeDiscord, startFakeDiscord } from '../fakes/discord/index.js';
import { type FakeSlack, startFakeSlack } from '../fakes/slack/index.js';
import { type FinishedRun, runToEnd } from '../support/run-to-end.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
const isRoot = process.getuid?.() === 0;
/** The user the bot runs as: `nobody` when the tests run as root (as CI does), else the tests' own user. */
export const runtimeUser = isRoot ? { uid: 65534, gid: 65534 } : {};

/** What a finished command left behind. */
export type Ran = FinishedRun;

/** Runs `command` with `sh -c`, to its end. */
export function sh(
  command: string,
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    asRuntimeUser?: boolean;
    stdin?: string;
    timeoutMs?: number;
  },
): Promise<Ran> {
  return runToEnd('sh', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    ...(options.asRuntimeUser ? runtimeUser : {}),
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
    timeoutMs: options.timeoutMs ?? 120_000,
  });
}

/** A long-running process (the bot) and what it printed so far. */
export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves when every process of the group has let go of the output pipes, with the first one's code. */
  exited: Promise<number | null>;
  /** Signals the whole process group. */
  stopGroup(signal: NodeJS.Signals): void;
}

/**
 * Starts `argv` as the runtime user, in a process group of its own: `stopGroup` signals every process in it,
 * as a terminal's Ctrl-C or systemd's default stop does (npm itself does not pass SIGTERM on to its script).
 */
export function startAsRuntimeUser(
  argv: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Started {
  const [file, ...args] = argv;
  const child = spawn(file ?? 'false', args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...runtimeUser,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  let closed = false;
  const exited = new Promise<number | null>((done) =>
    child.once('close', (code) => {
      closed = true;
      done(code);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    stopGroup(signal) {
      if (closed || child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Polls `check` until it passes; throws with `describe()` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`not within ${timeoutMs} ms:\n${describe()}`);
}

/** A scratch directory every user can enter (mkdtemp makes it 0700). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

/** A directory that belongs to the runtime user: its home, or the data volume. */
export async function runtimeUserDir(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  if (isRoot) await chown(path, 65534, 65534);
  return path;
}

/** Makes `dir` read-only for the runtime user (as root, root-owned files already are; otherwise drop the write bits). */
export async function makeReadOnly(dir: string): Promise<void> {
  if (!isRoot) await sh(`chmod -R a-w ${JSON.stringify(dir)}`, { cwd: dir, env: process.env });
}

/** Removes a scratch directory, read-only parts included (without root, they need their write bit back first). */
export async function removeScratch(dir: string): Promise<void> {
  const path = JSON.stringify(dir);
  await sh(`chmod -R u+w ${path} 2>/dev/null; rm -rf ${path}`, { cwd: '/', env: process.env });
}

/**
 * The sqlite3 binary this checkout already built, packed as a prebuild-install "local prebuild": sqlite3's
 * install script (`prebuild-install || node-gyp rebuild`) then unpacks it instead of downloading (no network
 * here) or compiling for minutes. Nothing else about the install changes.
 */
export async function sqlitePrebuilds(dir: string): Promise<Record<string, string>> {
  const sqlite = join(repoRoot, 'node_modules/sqlite3');
  const { version } = JSON.parse(await readFile(join(sqlite, 'package.json'), 'utf8')) as { version: string };
  const staging = join(dir, 'staging');
  await mkdir(dir, { recursive: true });
  await mkdir(join(staging, 'build/Release'), { recursive: true });
  await cp(join(sqlite, 'build/Release/node_sqlite3.node'), join(staging, 'build/Release/node_sqlite3.node'));
  for (const napi of [3, 6]) {
    const name = `sqlite3-v${version}-napi-v${napi}-${process.platform}-${process.arch}.tar.gz`;
    const packed = await sh(`tar -czf ${JSON.stringify(join(dir, name))} build`, {
      cwd: staging,
      env: process.env,
    });
    if (packed.code !== 0) throw new Error(`tar failed: ${packed.stderr}`);
  }
  await rm(staging, { recursive: true, force: true });
  return { npm_config_sqlite3_local_prebuilds: dir };
}

/** npm's settings for installs in tests: the local cache first, no audit or funding chatter. */
export function npmEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    ...extra,
  };
}

/** Fake Discord and Slack, and the variables that point a bot at them. */
export interface Platforms {
  discord: FakeDiscord;
  slack: FakeSlack;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startPlatforms(): Promise<Platforms> {
  const botToken = 'xoxb-deploy-test-token';
  const discord = await startFakeDiscord();
  const slack = await startFakeSlack({ botToken });
  return {
    discord,
    slack,
    env: {
      DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAy.deploy-test.discord-token',
      DISCORD_API_URL: discord.apiUrl,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: 'deploy-test-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      KEY_ENCRYPTION_SECRET: 'deploy-test-encryption-secret-00',
    },
    async close() {
      await discord.close();
      await slack.close();
    },
  };
}
