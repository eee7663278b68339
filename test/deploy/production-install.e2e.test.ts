/**
 * A production install as the README documents it: the compiled dist/, package.json and the lock file in a
 * fresh directory, `npm ci --omit=dev` (no TypeScript, no tsx), then every documented npm command run as an
 * unprivileged user on the read-only app directory, with only the data directory writable.
 */
import { cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUILD_ID } from '../fakes/discord/index.js';
import { freePort } from '../support/bot-process.js';
import {
  makeReadOnly,
  npmEnv,
  type Platforms,
  removeScratch,
  repoRoot,
  runtimeUserDir,
  scratchDir,
  sh,
  sqlitePrebuilds,
  startAsRuntimeUser,
  startPlatforms,
  waitFor,
} from './deploy-world.js';

let root: string;
let app: string;
let data: string;
let home: string;
let platforms: Platforms;
let installEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = await scratchDir('skidio-prod-');
  app = join(root, 'app');
  // The build a release ships: dist/ compiled from this checkout, with the files npm needs to install.
  const built = await sh(
    `${JSON.stringify(process.execPath)} node_modules/typescript/bin/tsc -p tsconfig.build.json --outDir ${JSON.stringify(join(app, 'dist'))}`,
    { cwd: repoRoot, env: process.env },
  );
  expect(built.stderr + built.stdout).toBe('');
  for (const file of ['package.json', 'package-lock.json', 'scripts']) {
    await cp(join(repoRoot, file), join(app, file), { recursive: true });
  }
  installEnv = npmEnv(await sqlitePrebuilds(join(root, 'prebuilds')));
  data = await runtimeUserDir(join(root, 'data'));
  home = await runtimeUserDir(join(root, 'home'));
  platforms = await startPlatforms();
}, 180_000);

afterAll(async () => {
  await platforms?.close();
  if (root) await removeScratch(root);
}, 60_000);

/** The environment of the runtime user: its own home and npm cache, and the data directory for the store. */
function runtimeEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    npm_config_cache: join(home, '.npm'),
    npm_config_update_notifier: 'false',
    STORE_URL: `sqlite://${join(data, 'skidio.sqlite')}`,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

describe('production install', () => {
  it('npm ci --omit=dev succeeds without TypeScript, and the README --json example prints pure JSON', async () => {
    const install = await sh('npm ci --omit=dev', { cwd: app, env: installEnv, timeoutMs: 170_000 });
    expect({ code: install.code, stderr: install.stderr }).toMatchObject({ code: 0 });
    await expect(stat(join(app, 'node_modules/typescript'))).rejects.toThrow();
    await expect(stat(join(app, 'node_modules/tsx'))).rejects.toThrow();
    await stat(join(app, 'node_modules/sqlite3/build/Release/node_sqlite3.node'));

    // The README's example, exactly as written, run where an operator would try it (the install directory).
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const example = /^echo .*\| npm run -s demo -- --json$/m.exec(readme)?.[0];
    expect(example).toBeDefined();
    const demo = await sh(example ?? 'false', { cwd: app, env: installEnv, timeoutMs: 60_000 });
    expect(demo.code).toBe(0);
    const lines = demo.stdout.trim().split('\n');
    const parsed = lines.map(
      (line) => JSON.parse(line) as { kind: string; status?: string; files?: string[] },
    );
    expect(parsed.map((line) => line.status)).toEqual(['queued', 'running', 'completed']);
    expect(parsed.at(-1)?.files?.[0]).toMatch(/\.png$/);
  }, 240_000);

  it('runs every documented command as an unprivileged user on the read-only app directory', async () => {
    await makeReadOnly(app);
    const run = (command: string, env: Record<string, string> = {}, stdin = '') =>
      sh(command, { cwd: app, env: runtimeEnv(env), asRuntimeUser: true, stdin, timeoutMs: 60_000 });

    // The app directory really is read-only for this user.
    const write = await run('touch dist/written-by-the-bot');
    expect(write.code).not.toBe(0);

    const manifest = await run(
      'npm run -s slack:manifest -- --stdout --url https://bot.example/slack/events',
    );
    expect(manifest.code).toBe(0);
    expect(JSON.parse(manifest.stdout)).toHaveProperty('features.slash_commands');

    const register = await run('npm run -s register', {
      ...platforms.env,
      DISCORD_DEV_GUILD_ID: DEFAULT_GUILD_ID,
    });
    expect(register.stderr).toBe('');
    expect(register.stdout).toContain(`Registered /skidio in server ${DEFAULT_GUILD_ID}`);

    const consoleRun = await run(
      `npm run -s console -- --json --out ${JSON.stringify(join(data, 'out'))}`,
      { KEY_ENCRYPTION_SECRET: platforms.env.KEY_ENCRYPTION_SECRET ?? '' },
      '/skidio key set sk-production-install-key-9876\n/skidio key show\n',
    );
    expect(consoleRun.code).toBe(0);
    const replies = consoleRun.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { text: string });
    expect(replies.at(-1)?.text).toContain('••••9876');

    const keys = await run('npm run -s keys -- check', {
      KEY_ENCRYPTION_SECRET: platforms.env.KEY_ENCRYPTION_SECRET ?? '',
    });
    expect(keys.stdout).toBe('1 stored API key, all readable.\n');

    const demo = await run(
      `npm run -s demo -- --json --out ${JSON.stringify(join(data, 'demo-out'))}`,
      {},
      '/skidio help\n',
    );
    expect(demo.code).toBe(0);
    expect(JSON.parse(demo.stdout.trim().split('\n')[0] ?? '')).toMatchObject({ kind: 'text' });

    const port = await freePort();
    const bot = startAsRuntimeUser(['npm', 'start'], {
      cwd: app,
      env: runtimeEnv({ ...platforms.env, PORT: String(port) }),
    });
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        30_000,
        bot.output,
      );
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      // As a terminal's Ctrl-C or systemd's stop: the signal reaches npm and the bot under it.
      bot.stopGroup('SIGTERM');
    }
    const killer = setTimeout(() => bot.stopGroup('SIGKILL'), 15_000);
    await bot.exited;
    clearTimeout(killer);
    expect(bot.output()).toContain('skidio-bot stopped');
  }, 180_000);
});
