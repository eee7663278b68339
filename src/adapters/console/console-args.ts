/** The console's command-line flags, shared by `npm run console` and `npm run demo`. */
import { parseArgs } from 'node:util';

/** Parses the console's own flags; unknown flags are an error with the usage. */
export function parseConsoleArgs(argv: string[]): { outDir: string; json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', default: './out' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  return { outDir: values.out, json: values.json };
}
