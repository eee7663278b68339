/**
 * `npm run slack:manifest [-- --stdout] [--out FILE] [--url URL]`: writes the Slack app manifest generated
 * from `commands/` to `slack-manifest.json` (or FILE), or prints it.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { commands } from '../../../commands/index.js';
import { buildSlackManifest, oauthRedirectUrlFor, REQUEST_URL_PLACEHOLDER } from './manifest.js';

const USAGE = 'Usage: npm run slack:manifest -- [--stdout] [--out FILE] [--url https://HOST/slack/events]';

function readArgs(): { stdout: boolean; out: string; url: string } {
  try {
    const { values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        stdout: { type: 'boolean', default: false },
        out: { type: 'string', default: 'slack-manifest.json' },
        url: { type: 'string', default: REQUEST_URL_PLACEHOLDER },
      },
      strict: true,
    });
    if (!/^https:\/\/\S+$/.test(values.url))
      throw new Error('--url must be an https:// URL (Slack requires https).');
    // The OAuth redirect URL is derived from it: refuse a URL it cannot be derived from, before writing.
    oauthRedirectUrlFor(values.url);
    return values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const args = readArgs();
const text = `${JSON.stringify(buildSlackManifest(commands, args.url), null, 2)}\n`;
if (args.stdout) {
  process.stdout.write(text);
} else {
  const path = resolve(args.out);
  await writeFile(path, text);
  process.stderr.write(`Wrote ${path}. Create the app at https://api.slack.com/apps from this manifest.\n`);
}
