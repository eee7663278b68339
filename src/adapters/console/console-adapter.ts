/**
 * The console adapter: one command per line of input, as workspace `console:local` whose user is an admin.
 * Long-running commands (job watches) run side by side; the others run in order, so `key set` on one line is
 * done before `status` on the next. At the end of input it waits for every pending watch.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CommandDefinition, CommandServices, OptionValues, Requester } from '../../core/command.js';
import { parseCommandText } from '../../core/command-text.js';
import { dispatch, reportError } from '../../core/dispatch.js';
import { maskKey } from '../../core/workspace-key-store.js';
import { echoTyped } from './console-args.js';
import { createConsolePrinter, createConsoleReplySurface } from './console-output.js';

/** The console's one workspace. */
export const CONSOLE_WORKSPACE = 'console:local';

const consoleUser: Requester = { id: 'console', displayName: 'console user', mention: 'you', isAdmin: true };

/** Options of the console adapter. */
export interface ConsoleAdapterOptions {
  services: CommandServices;
  input: Readable;
  output: Writable;
  outDir: string;
  json: boolean;
}

/** Builds the adapter; `run()` resolves when input has ended and every command has finished. */
export function createConsoleAdapter(options: ConsoleAdapterOptions): { run(): Promise<void> } {
  // The console is one local person scripting the bot: command rate limits would only break their scripts.
  const { limiter: _noLimiter, ...services } = options.services;
  const { outDir } = options;
  const printer = createConsolePrinter(options.output, options.json);
  const log = services.logger.child({ adapter: 'console' });

  async function handleLine(line: string): Promise<Promise<void> | undefined> {
    let parsed: { command: CommandDefinition; options: OptionValues };
    try {
      parsed = parseCommandText(line, services.commands);
    } catch (error) {
      // Not a command: show back what was typed, so the person sees which line this answers.
      const reply = createConsoleReplySurface({ printer, command: echoTyped(line), outDir });
      await reportError(error, reply, log);
      return undefined;
    }
    const shown = echo(parsed.command, parsed.options);
    const reply = createConsoleReplySurface({ printer, command: shown, outDir });
    const running = dispatch(
      { platform: 'console', workspace: CONSOLE_WORKSPACE, requester: consoleUser, ...parsed },
      reply,
      services,
    );
    if (parsed.command.longRunning) return running;
    await running;
    return undefined;
  }

  return {
    async run() {
      await services.watcher.start();
      const pending: Promise<void>[] = [];
      const lines = createInterface({ input: options.input, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const raw of lines) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#')) continue;
        const running = await handleLine(line);
        if (running) pending.push(running);
      }
      await Promise.all(pending);
      // Watches answer after their command returned: the end of input waits for every one of them.
      await services.watcher.idle();
    },
  };
}

/** The command as typed, with secret options masked: the `command` field of every printed reply. */
function echo(command: CommandDefinition, options: OptionValues): string {
  const words = ['/skidio', ...command.path];
  for (const spec of command.options) {
    const value = options[spec.name];
    if (value === undefined || value === false) continue;
    const flags = command.options.some((option) => option.type === 'string' && option.rest === true);
    if (spec.type === 'boolean') words.push(flags ? `--${spec.name}` : spec.name);
    else if (spec.type === 'integer') words.push(`--${spec.name}`, String(value));
    else if (spec.rest) words.push(String(value));
    else if (flags) words.push(`--${spec.name}`, JSON.stringify(String(value)));
    else words.push(spec.secret ? maskKey(String(value)) : String(value));
  }
  return words.join(' ');
}
