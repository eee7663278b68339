import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ConsoleLine } from '../../../src/adapters/console/console-output.js';
import { type EntryRun, runEntry } from '../../support/run-entry.js';

/** Runs the demo with `--json` as `npm run demo` does, with no configuration at all (only PATH and HOME). */
function runDemo(stdin: string, outDir: string): Promise<EntryRun> {
  return runEntry('src/demo.ts', {
    args: ['--json', '--out', outDir],
    cwd: process.cwd(),
    env: { LOG_LEVEL: 'warn' },
    stdin,
    timeoutMs: 60_000,
  });
}

describe('npm run demo', () => {
  it('needs no configuration: a status line ends in a result line whose file is a valid PNG, then exit 0', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'skidio-demo-out-'));
    try {
      const { code, stdout, stderr } = await runDemo('/skidio status demo-1\n', outDir);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as ConsoleLine);
      expect(lines.map((line) => line.status)).toEqual(['queued', 'running', 'completed']);
      const result = lines.at(-1);
      expect(result?.kind).toBe('result');
      const file = result?.files?.[0] ?? '';
      expect(file.startsWith(outDir)).toBe(true);
      const metadata = await sharp(await readFile(file)).metadata();
      expect(metadata.format).toBe('png');
      expect(metadata.width).toBeGreaterThan(0);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });

  it('runs the README’s imagine example: a submitted job, then two images', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'skidio-demo-out-'));
    try {
      const { code, stdout } = await runDemo('/skidio imagine a red fox --count 2 --seed 7\n', outDir);
      expect(code).toBe(0);
      const result = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as ConsoleLine)
        .at(-1);
      expect(result?.kind).toBe('result');
      expect(result?.files).toHaveLength(2);
      expect(result?.text).toContain('seed 7');
      // The result's buttons, spelled as the commands that do what they do.
      expect(result?.actions).toEqual([
        expect.stringMatching(/^\/skidio again [A-Za-z0-9_-]{16}$/),
        expect.stringMatching(/^\/skidio details [A-Za-z0-9_-]{16}$/),
        expect.stringMatching(/^\/skidio delete [A-Za-z0-9_-]{16}$/),
      ]);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
