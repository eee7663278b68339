/**
 * Start-up failures outside the configuration check, through the real entry point (`src/main.ts` in a child
 * process): each is one log line naming the variable and the fix, with the stack only at debug level.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/bot-process.js';
import { runEntry } from '../support/run-entry.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skidio-startup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Slack configured but never reached: every failure here comes before the adapters start. */
async function startMain(env: Record<string, string>, logLevel = 'info') {
  const run = await runEntry('src/main.ts', {
    cwd: dir,
    env: {
      SLACK_BOT_TOKEN: 'xoxb-startup-test-token',
      SLACK_SIGNING_SECRET: 'startup-signing-secret',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      KEY_ENCRYPTION_SECRET: 'startup-encryption-secret-0000',
      PORT: String(await freePort()),
      LOG_LEVEL: logLevel,
      ...env,
    },
    timeoutMs: 20_000,
  });
  const lines = run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { stack?: string } });
  return { ...run, lines, problems: lines.filter((line) => line.level >= 40) };
}

function expectOneLine(result: Awaited<ReturnType<typeof startMain>>, variable: string, fix: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.problems).toHaveLength(1);
  const [line] = result.problems;
  expect(line?.level).toBe(60);
  expect(line?.msg).toMatch(new RegExp(`^skidio-bot could not start: .*${variable}`));
  expect(line?.msg).toMatch(fix);
  expect(line?.msg).not.toContain('\n');
  expect(result.stdout).not.toMatch(/"stack"|\\n\s+at /);
}

describe('start-up failures', () => {
  it('a SQLite file that cannot be opened (SQLITE_CANTOPEN) names STORE_URL and a writable directory', async () => {
    // A directory where the database file should be: SQLite cannot open it, even for root.
    await mkdir(join(dir, 'cantopen', 'skidio.sqlite'), { recursive: true });
    const result = await startMain({ STORE_URL: `sqlite://${join(dir, 'cantopen', 'skidio.sqlite')}` });
    expectOneLine(result, 'STORE_URL', /SQLITE_CANTOPEN.*writable directory for the user the bot runs as/);
  });

  it('STORE_URL under a file (ENOTDIR) says to point it into a directory', async () => {
    await writeFile(join(dir, 'a-file'), 'not a directory');
    const result = await startMain({ STORE_URL: `sqlite://${join(dir, 'a-file', 'data', 'skidio.sqlite')}` });
    expectOneLine(result, 'STORE_URL', /ENOTDIR.*Point STORE_URL at a file in a directory/);
  });

  it('Redis not answering names STORE_URL, its address without the password, and the fix', async () => {
    const port = await freePort();
    const result = await startMain({ STORE_URL: `redis://:hunter2-redis-pass@127.0.0.1:${port}` });
    expectOneLine(
      result,
      'STORE_URL',
      new RegExp(`Redis at 127\\.0\\.0\\.1:${port} is not answering.*Start Redis`),
    );
    expect(result.stdout + result.stderr).not.toContain('hunter2-redis-pass');
  });

  it('warns once, before anything else, when KEY_ENCRYPTION_SECRET is unset', async () => {
    await writeFile(join(dir, 'b-file'), 'not a directory');
    const result = await startMain({
      KEY_ENCRYPTION_SECRET: '',
      STORE_URL: `sqlite://${join(dir, 'b-file', 'skidio.sqlite')}`,
    });
    const warnings = result.lines.filter((line) => line.level === 40);
    expect(warnings.map((line) => line.msg)).toEqual([
      'KEY_ENCRYPTION_SECRET is not set: admins cannot set API keys until it is (16+ random characters, e.g. `openssl rand -base64 32`).',
    ]);
  });

  it('a port already taken (EADDRINUSE) names PORT and the fix; the stack is there at debug level', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const env = { STORE_URL: `sqlite://${join(dir, 'port', 'skidio.sqlite')}`, PORT: String(port) };
      const result = await startMain(env);
      expectOneLine(result, `PORT ${port}`, /EADDRINUSE.*set PORT to a free port/);
      const debug = await startMain(env, 'debug');
      expect(debug.lines.some((line) => line.err?.stack?.includes('EADDRINUSE'))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
