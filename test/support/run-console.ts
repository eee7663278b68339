/**
 * Runs the console adapter, as `npm run console -- --json` does, over some lines on a world's services, and
 * collects its JSON replies; `onReply` hears each one as it is printed, with those printed so far.
 */
import { PassThrough } from 'node:stream';
import { createConsoleAdapter } from '../../src/adapters/console/console-adapter.js';
import type { ConsoleLine } from '../../src/adapters/console/console-output.js';
import type { World } from './bot-world.js';

export async function runConsole(
  current: World,
  lines: string[],
  onReply?: (replies: readonly ConsoleLine[]) => void,
): Promise<ConsoleLine[]> {
  const input = new PassThrough();
  const output = new PassThrough();
  const replies: ConsoleLine[] = [];
  let pending = '';
  output.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) {
      if (line.trim() === '') continue;
      replies.push(JSON.parse(line) as ConsoleLine);
      onReply?.(replies);
    }
  });
  const run = createConsoleAdapter({
    services: current.services,
    input,
    output,
    outDir: current.storeDir,
    json: true,
  }).run();
  input.end(lines.join('\n'));
  await run;
  return replies;
}
