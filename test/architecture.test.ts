import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every .ts file under `dir`, recursively. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const importsOf = (source: string) =>
  [...source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((match) => match[1] ?? '');

describe('architecture', () => {
  it('keeps the core free of platforms, the logger and the store library (it declares ports instead)', async () => {
    const forbidden = /^(discord\.js|@discordjs\/|@slack\/|pino|keyv|@keyv\/|sharp)/;
    for (const file of await sourceFiles('src/core')) {
      const bad = importsOf(await readFile(file, 'utf8')).filter((specifier) => forbidden.test(specifier));
      expect({ file, bad }).toEqual({ file, bad: [] });
    }
  });

  it('keeps commands platform-neutral: they import only the core', async () => {
    for (const file of await sourceFiles('commands')) {
      const bad = importsOf(await readFile(file, 'utf8')).filter(
        (specifier) =>
          !specifier.startsWith('node:') &&
          !specifier.startsWith('./') &&
          !specifier.startsWith('../src/core/'),
      );
      expect({ file, bad }).toEqual({ file, bad: [] });
    }
  });

  it('keeps adapters apart: no adapter imports another', async () => {
    for (const platform of ['console', 'discord', 'slack']) {
      const files = await sourceFiles(join('src/adapters', platform)).catch(() => []);
      for (const file of files) {
        const bad = importsOf(await readFile(file, 'utf8')).filter((specifier) =>
          ['console', 'discord', 'slack'].some(
            (other) => other !== platform && specifier.includes(`adapters/${other}/`),
          ),
        );
        expect({ file, bad }).toEqual({ file, bad: [] });
      }
    }
  });

  it('keeps adapters off commands/ (bar the command-line entry points that wire them)', async () => {
    for (const file of await sourceFiles('src/adapters')) {
      if (file.endsWith('-cli.ts')) continue;
      const bad = importsOf(await readFile(file, 'utf8')).filter((specifier) =>
        specifier.includes('commands/'),
      );
      expect({ file, bad }).toEqual({ file, bad: [] });
    }
  });

  it('keeps adapters from reading command options to find the job (replies carry it)', async () => {
    for (const file of await sourceFiles('src/adapters')) {
      const source = await readFile(file, 'utf8');
      expect({ file, readsJobOption: /options\.job_id|options\[['"]job_id['"]\]/.test(source) }).toEqual({
        file,
        readsJobOption: false,
      });
    }
  });
});
