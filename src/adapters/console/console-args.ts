/** The console's command-line flags and checks, shared by `npm run console` and `npm run demo`. */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { maskKey } from '../../core/workspace-key-store.js';

/** The console's flags. */
export interface ConsoleArgs {
  outDir: string;
  json: boolean;
}

/** Parses the console's own flags; unknown flags are an error with the usage. */
export function parseConsoleArgs(argv: string[]): ConsoleArgs {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', default: './out' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  return { outDir: values.out, json: values.json };
}

/**
 * What an entry point does with its flags: parse them, and make sure `--out` can be written before any
 * command runs (a result that cannot be saved would otherwise be lost at the end of a job). A problem is one
 * line on stderr, with the usage for a bad flag, and exit code 2 (bad flag) or 1 (unwritable directory).
 */
export function readConsoleArgsOrExit(argv: string[], script: 'console' | 'demo'): ConsoleArgs {
  let args: ConsoleArgs;
  try {
    args = parseConsoleArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nUsage: npm run ${script} -- [--out DIR] [--json]\n`);
    process.exit(2);
  }
  const directory = resolve(args.outDir);
  try {
    mkdirSync(directory, { recursive: true });
    accessSync(directory, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
    process.stderr.write(
      `--out ${args.outDir}: images cannot be saved in ${directory} (${code}). Choose a writable directory with --out DIR.\n`,
    );
    process.exit(1);
  }
  return args;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: dropping control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * A line that is not a command, as it may be shown back: control characters dropped, at most 80 characters,
 * and any long word after a `key…` word masked, in case it was an API key typed with a misspelt command.
 */
export function echoTyped(line: string): string {
  const words = line.replace(CONTROL_CHARACTERS, ' ').trim().split(/\s+/);
  const keyAt = words.findIndex((word) => /^key/i.test(word));
  const shown = words
    .map((word, index) => (keyAt >= 0 && index > keyAt && word.length >= 6 ? maskKey(word) : word))
    .join(' ');
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}
