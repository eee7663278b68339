/**
 * Builds `dist/` (as `npm start` runs it) once for every test that starts the compiled bot: the build is
 * skipped when `dist/` already matches the sources, and a lock directory keeps two test workers from
 * building at the same time.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const STAMP = 'dist/.sources-stamp';
const LOCK = 'dist.build-lock';

/** The newest modification time among the sources the build compiles, as a stamp. */
async function sourcesStamp(): Promise<string> {
  let newest = 0;
  let count = 0;
  for (const dir of ['src', 'commands']) {
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
      count++;
    }
  }
  return `${count}:${newest}`;
}

const current = async (stamp: string) => (await readFile(STAMP, 'utf8').catch(() => '')) === stamp;

/** Resolves once `dist/` holds a build of the current sources. */
export async function ensureBuilt(): Promise<void> {
  const stamp = await sourcesStamp();
  for (let waited = 0; !(await current(stamp)); waited += 200) {
    const locked = await mkdir(LOCK).then(
      () => true,
      () => false,
    );
    if (!locked) {
      if (waited > 120_000) throw new Error(`${LOCK} is held for over 2 minutes: remove it`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    try {
      if (await current(stamp)) return;
      await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json']);
      await writeFile(STAMP, stamp);
    } finally {
      await rm(LOCK, { recursive: true, force: true });
    }
  }
}
