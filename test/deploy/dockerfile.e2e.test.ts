/**
 * The Dockerfile, run without a container engine (the development machines and CI have none): its
 * instructions are read from the file and carried out in scratch directories standing in for the two stages'
 * /app. apt-get lines are skipped (their packages are the machine's own); tini is used when the machine has it.
 * The runtime stage's CMD then runs as an unprivileged user on the root-owned app files, with the stage's ENV, and
 * the HEALTHCHECK command must pass; SIGTERM (what `docker stop` sends) must end it cleanly within the
 * documented stop timeout.
 */
import { access, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/bot-process.js';
import {
  makeReadOnly,
  npmEnv,
  type Platforms,
  removeScratch,
  repoRoot,
  runtimeUser,
  runtimeUserDir,
  scratchDir,
  sh,
  sqlitePrebuilds,
  startAsRuntimeUser,
  startPlatforms,
  waitFor,
} from './deploy-world.js';

interface Instruction {
  stage: string;
  op: string;
  args: string;
}

/** The Dockerfile's instructions: continuation lines joined, comments dropped, each tagged with its stage. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of joined.split('\n')) {
    const match = /^([A-Z]+)\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, op = '', args = ''] = match;
    if (op === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? args;
    instructions.push({ stage, op, args: args.trim() });
  }
  return instructions;
}

/** `KEY=value KEY2=value2` of an ENV instruction. */
function envPairs(args: string): Record<string, string> {
  return Object.fromEntries(
    args
      .split(/\s+/)
      .filter((pair) => pair.includes('='))
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
}

/** The JSON form of CMD, ENTRYPOINT and HEALTHCHECK CMD. */
function execForm(args: string): string[] {
  return JSON.parse(args.slice(args.indexOf('['))) as string[];
}

let instructions: Instruction[];
let buildDir: string;
let appDir: string;
let platforms: Platforms;
const ranInBuild: string[] = [];

beforeAll(async () => {
  instructions = parseDockerfile(await readFile(join(repoRoot, 'Dockerfile'), 'utf8'));
  const root = await scratchDir('skidio-docker-');
  buildDir = join(root, 'build');
  appDir = join(root, 'app');
  platforms = await startPlatforms();
}, 30_000);

afterAll(async () => {
  await platforms?.close();
  if (buildDir) await removeScratch(join(buildDir, '..'));
}, 60_000);

describe('Dockerfile', () => {
  it('declares an init process, a /readyz health check, a non-root user and a data volume', () => {
    const runtime = instructions.filter((item) => item.stage === 'runtime');
    const of = (op: string) => runtime.filter((item) => item.op === op).map((item) => item.args);
    expect(execForm(of('ENTRYPOINT')[0] ?? '[]')[0]).toMatch(/tini$/);
    expect(of('HEALTHCHECK')[0]).toContain('/readyz');
    expect(of('USER')).toEqual(['node']);
    expect(of('VOLUME')).toEqual(['["/app/data"]']);
    // No COPY --chown: the app files stay root's, read-only to the user the bot runs as.
    expect(of('COPY').filter((args) => args.includes('--chown'))).toEqual([]);
  });

  it('comes with a compose file whose Redis keeps everything and whose bot gets more than 10 s to stop', async () => {
    const compose = await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/"--maxmemory-policy", "noeviction"/);
    expect(compose).toMatch(/"--appendonly", "yes"/);
    expect(compose).toMatch(/STORE_URL: redis:\/\/redis:6379/);
    expect(Number(/stop_grace_period: (\d+)s/.exec(compose)?.[1])).toBeGreaterThan(10);
  });

  it('builds with the build stage’s own commands, then serves as an unprivileged user and passes HEALTHCHECK', async () => {
    const buildEnv = npmEnv(await sqlitePrebuilds(join(buildDir, '..', 'prebuilds')));
    // The build stage: COPY from the checkout, RUN in its /app.
    for (const { op, args } of instructions.filter((item) => item.stage === 'build')) {
      if (op === 'COPY') {
        const parts = args.split(/\s+/);
        for (const source of parts.slice(0, -1)) {
          await cp(join(repoRoot, source), join(buildDir, source), { recursive: true });
        }
      } else if (op === 'RUN' && !args.startsWith('apt-get')) {
        const ran = await sh(args, { cwd: buildDir, env: buildEnv, timeoutMs: 170_000 });
        expect({ step: args, code: ran.code, stderr: ran.stderr.slice(-2_000) }).toMatchObject({ code: 0 });
        ranInBuild.push(args);
      }
    }
    expect(ranInBuild.some((args) => args.startsWith('npm run build'))).toBe(true);

    // The runtime stage, with /app standing for the scratch app directory and `node` for the runtime user.
    const env: Record<string, string> = {};
    let user = '';
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    let healthcheck: string[] = [];
    const local = (text: string) => text.replaceAll('/app', appDir);
    for (const { op, args } of instructions.filter((item) => item.stage === 'runtime')) {
      if (op === 'ENV') Object.assign(env, envPairs(args));
      else if (op === 'COPY') {
        const [source = '', target = ''] = args.replace('--from=build', '').trim().split(/\s+/);
        await cp(source.replace('/app', buildDir), join(appDir, target), { recursive: true });
      } else if (op === 'RUN' && !args.startsWith('apt-get')) {
        const owner =
          'uid' in runtimeUser ? `${runtimeUser.uid}:${runtimeUser.gid}` : `${process.getuid?.()}`;
        const ran = await sh(local(args).replaceAll('node:node', owner), { cwd: appDir, env: process.env });
        expect(ran.code).toBe(0);
      } else if (op === 'USER') user = args;
      else if (op === 'ENTRYPOINT') entrypoint = execForm(args);
      else if (op === 'CMD') cmd = execForm(args);
      else if (op === 'HEALTHCHECK') healthcheck = execForm(args.slice(args.indexOf('CMD')));
    }
    expect(user).toBe('node');
    await runtimeUserDir(join(appDir, 'data'));
    await makeReadOnly(join(appDir, 'dist'));
    const tini = entrypoint[0] ?? '';
    const withInit = await access(tini).then(
      () => true,
      () => false,
    );

    // `docker run -p`: the port is a free one here; everything else is the image's ENV.
    const port = String(await freePort());
    const runEnv = {
      PATH: process.env.PATH ?? '',
      HOME: join(appDir, 'data'),
      ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, local(value)])),
      PORT: port,
      ...platforms.env,
    };
    const bot = startAsRuntimeUser([...(withInit ? entrypoint : []), ...cmd], { cwd: appDir, env: runEnv });
    try {
      const healthy = () =>
        sh(healthcheck.map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' '), {
          cwd: appDir,
          env: runEnv,
          asRuntimeUser: true,
          timeoutMs: 5_000,
        });
      await waitFor(async () => (await healthy()).code === 0, 30_000, bot.output);
      // The app files are not the runtime user's to change; the data volume is.
      const writeApp = await sh('touch dist/src/main.js', { cwd: appDir, env: runEnv, asRuntimeUser: true });
      expect(writeApp.code).not.toBe(0);
      const writeData = await sh('touch data/probe', { cwd: appDir, env: runEnv, asRuntimeUser: true });
      expect(writeData.code).toBe(0);
      await access(join(appDir, 'data', 'skidio.sqlite'));
      // The documented commands work in the image too (`docker exec … npm run -s keys -- check`).
      const keys = await sh('npm run -s keys -- check', {
        cwd: appDir,
        env: { ...runEnv, npm_config_update_notifier: 'false' },
        asRuntimeUser: true,
        timeoutMs: 30_000,
      });
      expect({ code: keys.code, stdout: keys.stdout, stderr: keys.stderr }).toEqual({
        code: 0,
        stdout: '0 stored API keys, all readable.\n',
        stderr: '',
      });
    } finally {
      // `docker stop`: SIGTERM to PID 1, then SIGKILL after the stop timeout (15 s documented).
      bot.child.kill('SIGTERM');
    }
    const killer = setTimeout(() => bot.stopGroup('SIGKILL'), 15_000);
    const code = await bot.exited;
    clearTimeout(killer);
    expect({ code, output: bot.output().slice(-2_000) }).toMatchObject({ code: 0 });
    expect(bot.output()).toContain('skidio-bot stopped');
  }, 300_000);
});
