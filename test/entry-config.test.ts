import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runEntry } from './support/run-entry.js';

const SECRET = 'dotenv-encryption-secret-4242';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function withDotEnv(text: string): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'skidio-dotenv-'));
  await writeFile(join(dir, '.env'), text);
  return dir;
}

describe('.env', () => {
  it('is read by `npm run console`: KEY_ENCRYPTION_SECRET set there lets an admin set a key', async () => {
    const cwd = await withDotEnv(
      `KEY_ENCRYPTION_SECRET=${SECRET}\nSTORE_URL=sqlite://data/dotenv.sqlite\nSKIDIO_API_URL=http://127.0.0.1:9\n`,
    );
    const run = await runEntry('src/adapters/console/cli.ts', {
      cwd,
      args: ['--json', '--out', join(cwd, 'out')],
      stdin: '/skidio key set sk-dotenv-key-1234\n/skidio key show\n',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('KEY_ENCRYPTION_SECRET');
    expect(run.stdout).toContain('••••1234');
    // The store named in .env (relative to the working directory) is the one that was written.
    expect(await readdir(join(cwd, 'data'))).toContain('dotenv.sqlite');
    expect(run.stdout + run.stderr).not.toContain('sk-dotenv-key-1234');
  });

  it('loses to the environment: a variable set there overrides the file', async () => {
    const cwd = await withDotEnv(`KEY_ENCRYPTION_SECRET=${SECRET}\nSTORE_URL=sqlite://data/x.sqlite\n`);
    const run = await runEntry('src/adapters/console/cli.ts', {
      cwd,
      env: { KEY_ENCRYPTION_SECRET: 'too-short' },
      stdin: '/skidio help\n',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/KEY_ENCRYPTION_SECRET must be at least 16 characters/);
    expect(run.stderr).not.toContain('too-short');
  });

  it('is read by one shared helper in every entry point, and by nothing else', async () => {
    const entries = [
      'src/main.ts',
      'src/adapters/console/cli.ts',
      'src/adapters/discord/register-cli.ts',
      'src/keys-cli.ts',
    ];
    for (const file of entries) {
      expect({ file, shared: (await readFile(file, 'utf8')).includes('readEntryConfig()') }).toEqual({
        file,
        shared: true,
      });
    }
    const all = await readdir('src', { recursive: true, withFileTypes: true });
    const readers: string[] = [];
    for (const entry of all.filter((item) => item.isFile() && item.name.endsWith('.ts'))) {
      const path = join(entry.parentPath, entry.name);
      if ((await readFile(path, 'utf8')).includes('loadEnvFile(')) readers.push(path);
    }
    expect(readers).toEqual(['src/entry-config.ts']);
  });
});
