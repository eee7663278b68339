/**
 * The text grammar of `/skidio <text>` for platforms that deliver a command as one line (Slack, the console):
 * the longest matching command path, then positional string options in order, and boolean options by name.
 * A command with a `rest` option (imagine's prompt) reads flags instead: the words before the first `--name`
 * are that option, then `--name value` pairs (a value may be quoted) and `--name` for a boolean.
 */
import { type CommandDefinition, type OptionValues, typedCommands, usageOf } from './command.js';
import { BadInputError } from './errors.js';

/** A line resolved to a command and its raw (not yet validated) options. */
export interface ParsedCommand {
  command: CommandDefinition;
  options: OptionValues;
}

/** Longest line accepted; anything longer is not a command anyone typed by hand. */
const MAX_LINE_CHARS = 2_000;

/** Usage lines for every command, for replies to text that matched nothing. */
export function usageText(commands: readonly CommandDefinition[]): string {
  return commands.map((command) => `\`${usageOf(command)}\`: ${command.description}`).join('\n');
}

/** Parses `[/skidio] <words…>`; an empty line means `help`. Throws `BadInputError` with the usage. */
export function parseCommandText(text: string, commands: readonly CommandDefinition[]): ParsedCommand {
  if (text.length > MAX_LINE_CHARS)
    throw new BadInputError(`That command is too long. Try \`/skidio help\`.`);
  const words = text
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  if (words[0]?.toLowerCase() === '/skidio') words.shift();
  const lowered = words.map((word) => word.toLowerCase());
  const path = lowered.length === 0 ? ['help'] : lowered;

  const command = [...commands]
    .sort((a, b) => b.path.length - a.path.length)
    .find((candidate) => candidate.path.every((word, index) => path[index] === word));
  if (!command) {
    throw new BadInputError(
      `I don't know that command. Here is what I understand:\n${usageText(typedCommands(commands))}`,
    );
  }

  const rest = words.slice(command.path.length);
  if (command.options.some((option) => option.type === 'string' && option.rest)) {
    // Read from the line itself, so that quotes and the prompt's own spacing survive.
    return { command, options: parseFlags(command, lineAfter(text, command)) };
  }
  const options: OptionValues = {};
  const positional = command.options.filter((option) => option.type === 'string');
  for (const word of rest) {
    const flag = command.options.find(
      (option) => option.type === 'boolean' && option.name === word.toLowerCase(),
    );
    if (flag) {
      options[flag.name] = true;
      continue;
    }
    const next = positional.shift();
    if (!next) throw new BadInputError(`Too many words for that command. Usage: \`${usageOf(command)}\``);
    options[next.name] = word;
  }
  const missing = positional.find((option) => option.required);
  if (missing)
    throw new BadInputError(`That command needs a ${missing.name}. Usage: \`${usageOf(command)}\``);
  return { command, options };
}

/** The text after `/skidio` and the command's words, as typed. */
function lineAfter(text: string, command: CommandDefinition): string {
  let remaining = text.trim().replace(/^\/skidio(\s+|$)/i, '');
  for (let index = 0; index < command.path.length; index++) {
    remaining = remaining.replace(/^\S+\s*/, '');
  }
  return remaining;
}

/** Quotes people type, straight or curly (Slack's clients may curl them). */
const QUOTES: Record<string, string> = { '"': '"', '“': '”', '”': '”', "'": "'", '‘': '’' };

/** Splits `a red fox --negative "soft blur" --count 2` into words, a quoted value being one word. */
function tokens(line: string): string[] {
  const found: string[] = [];
  let index = 0;
  while (index < line.length) {
    while (index < line.length && /\s/.test(line[index] ?? '')) index++;
    if (index >= line.length) break;
    const open = line[index] ?? '';
    const close = QUOTES[open];
    if (close !== undefined) {
      const end = line.indexOf(close, index + 1);
      if (end === -1)
        throw new BadInputError(`A quote (${open}) is not closed. Put the value between two quotes.`);
      found.push(line.slice(index + 1, end));
      index = end + 1;
      continue;
    }
    let end = index;
    while (end < line.length && !/\s/.test(line[end] ?? '')) end++;
    found.push(line.slice(index, end));
    index = end;
  }
  return found;
}

/** The flag grammar: the `rest` option's words up to the first `--name`, then the flags. Values stay raw text. */
function parseFlags(command: CommandDefinition, line: string): OptionValues {
  const restOption = command.options.find((option) => option.type === 'string' && option.rest);
  const flagAt = line.search(/(^|\s)--\S/);
  const restText = (flagAt === -1 ? line : line.slice(0, flagAt)).trim();
  const options: OptionValues = {};
  if (restOption && restText !== '') options[restOption.name] = restText;
  const words = flagAt === -1 ? [] : tokens(line.slice(flagAt));
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? '';
    const name = word.startsWith('--') ? word.slice(2).toLowerCase() : undefined;
    const spec = command.options.find((option) => option.name === name && option !== restOption);
    if (!name || !spec) {
      const known = command.options
        .filter((option) => option !== restOption)
        .map((option) => `--${option.name}`)
        .join(', ');
      throw new BadInputError(
        name
          ? `I don't know the option \`--${name}\`. The options are ${known}. Usage: \`${usageOf(command)}\``
          : `\`${word}\` is not an option: put the ${restOption?.name ?? 'text'} first, then options like \`--${command.options.find((option) => option !== restOption)?.name ?? 'name'} value\`.`,
      );
    }
    if (spec.type === 'boolean') {
      options[spec.name] = true;
      continue;
    }
    const value = words[index + 1];
    if (value === undefined || (value.startsWith('--') && value.length > 2)) {
      throw new BadInputError(`The option \`--${spec.name}\` needs a value. Usage: \`${usageOf(command)}\``);
    }
    if (options[spec.name] !== undefined) {
      throw new BadInputError(`The option \`--${spec.name}\` is given twice: give it once.`);
    }
    options[spec.name] = value;
    index++;
  }
  return options;
}
