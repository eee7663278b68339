/**
 * The text grammar of `/skidio <text>` for platforms that deliver a command as one line (Slack, the console):
 * the longest matching command path, then positional string options in order, and boolean options by name.
 */
import { type CommandDefinition, type OptionValues, usageOf } from './command.js';
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
    throw new BadInputError(`I don't know that command. Here is what I understand:\n${usageText(commands)}`);
  }

  const rest = words.slice(command.path.length);
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
