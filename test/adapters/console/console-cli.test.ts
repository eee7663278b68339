/** The console and demo entry points as a person runs them: flags, the output directory, and stray text. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleLine } from '../../../src/adapters/console/console-output.js';
import { runEntry } from '../../support/run-entry.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skidio-console-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({
  STORE_URL: `sqlite://${join(dir, 'console.sqlite')}`,
  SKIDIO_API_URL: 'http://127.0.0.1:9',
});

describe('console and demo entry points', () => {
  it.each([
    ['src/demo.ts', 'demo'],
    ['src/adapters/console/cli.ts', 'console'],
  ])('%s answers an unknown flag with the usage, not a stack trace', async (script, name) => {
    const run = await runEntry(script, { cwd: dir, env: env(), args: ['--bogus'] });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain(`Usage: npm run ${name} -- [--out DIR] [--json]`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('stops with one clear error and exit 1 when --out cannot be written', async () => {
    await writeFile(join(dir, 'a-file'), 'in the way');
    const out = join(dir, 'a-file', 'images');
    const run = await runEntry('src/adapters/console/cli.ts', {
      cwd: dir,
      env: env(),
      args: ['--json', '--out', out],
      stdin: '/skidio help\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `--out ${out}: images cannot be saved in ${out} (ENOTDIR). Choose a writable directory with --out DIR.\n`,
    );
    expect(run.stdout).toBe('');
  });

  it('echoes what was typed when it is not a command, masking what could be a key', async () => {
    const run = await runEntry('src/adapters/console/cli.ts', {
      cwd: dir,
      env: env(),
      args: ['--json', '--out', join(dir, 'out')],
      stdin: 'hello\n/skidio key sett sk-typed-by-mistake-4321\n',
    });
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ConsoleLine);
    expect(lines.map((line) => [line.kind, line.command])).toEqual([
      ['error', 'hello'],
      ['error', '/skidio key sett ••••4321'],
    ]);
    expect(lines[0]?.text).toContain("I don't know that command");
    expect(run.stdout + run.stderr).not.toContain('sk-typed-by-mistake');
  });
});
