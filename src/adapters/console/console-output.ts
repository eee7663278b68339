/**
 * How the console prints replies: readable lines for people, or with `--json` one JSON object per reply
 * (`{"kind","command","jobId","status","files","text","actions"}`, fields that do not apply left out), and where it
 * saves images.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { ProgressReply, ReplySurface, ResultReply } from '../../core/command.js';
import { actionCommandText } from '../../core/results/result-actions.js';

/** One printed reply, in the contract's field order. */
export interface ConsoleLine {
  kind: 'progress' | 'result' | 'error' | 'text';
  command: string;
  jobId?: string;
  status?: string;
  files?: string[];
  text: string;
  /** A result's buttons, as the commands that do what they do (`/skidio again <id>`). */
  actions?: string[];
}

/** Prints lines in the chosen format. */
export interface ConsolePrinter {
  print(line: ConsoleLine): void;
}

/** Builds a printer on `output`. */
export function createConsolePrinter(output: Writable, json: boolean): ConsolePrinter {
  return {
    print(line) {
      if (json) {
        output.write(`${JSON.stringify(line)}\n`);
        return;
      }
      const files = line.files?.map((file) => `\n  saved ${file}`).join('') ?? '';
      const actions = line.actions ? `\n  buttons: ${line.actions.join(' · ')}` : '';
      output.write(`[${line.command}] ${line.text.replaceAll('\n', '\n  ')}${files}${actions}\n`);
    },
  };
}

/** A reply surface that prints to the console and saves images under `outDir`. */
export function createConsoleReplySurface(args: {
  printer: ConsolePrinter;
  command: string;
  outDir: string;
}): ReplySurface {
  const { printer, command, outDir } = args;
  return {
    delivery: { kind: 'console', command },
    async progress(reply: ProgressReply) {
      printer.print({
        kind: 'progress',
        command,
        jobId: reply.jobId,
        status: reply.status.state,
        text: reply.text,
      });
    },
    async result(reply: ResultReply) {
      const directory = resolve(outDir);
      await mkdir(directory, { recursive: true });
      const files: string[] = [];
      for (const image of reply.images.files) {
        const path = resolve(directory, image.name);
        await writeFile(path, image.bytes);
        files.push(path);
      }
      printer.print({
        kind: 'result',
        command,
        jobId: reply.jobId,
        status: 'completed',
        files,
        text: reply.text,
        ...(reply.actions?.length ? { actions: reply.actions.map(actionCommandText) } : {}),
      });
    },
    async error(text, jobId) {
      printer.print({ kind: 'error', command, ...(jobId ? { jobId } : {}), text });
    },
    async privateText(text) {
      printer.print({ kind: 'text', command, text });
    },
  };
}
