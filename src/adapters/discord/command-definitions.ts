/**
 * The Discord registration of `/skidio`, generated from `commands/`: one chat-input command whose
 * subcommands and subcommand groups are the commands' paths (`status`, `help`, `key set|show|clear`), and
 * the way back from an interaction's options to a command definition and its raw option values.
 * https://discord.com/developers/docs/interactions/application-commands#subcommands-and-subcommand-groups
 */
import {
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandSubcommandGroupOption,
  type APIApplicationCommandSubcommandOption,
  ApplicationCommandOptionType,
  ApplicationIntegrationType,
  type ChatInputCommandInteraction,
  InteractionContextType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import {
  type CommandDefinition,
  type OptionSpec,
  type OptionValues,
  typedCommands,
} from '../../core/command.js';
import { inDiscordWords } from './texts.js';

/** The one top-level command. */
export const SKIDIO_COMMAND_NAME = 'skidio';

/** Discord's limit on command and option descriptions. */
export const MAX_DESCRIPTION_CHARS = 100;

/**
 * Longest string option value Discord lets a person type. `commands/status.ts` accepts job ids of at most
 * 128 characters (`validateJobId`); when a spec states no `maxLength`, the picker uses that same cap.
 */
export const DEFAULT_STRING_MAX_LENGTH = 128;

const TOP_DESCRIPTION = 'Check Skidio Labs image jobs and post their images in this channel';

/** Descriptions of subcommand groups, which `commands/` does not define (a group is only a shared word). */
const GROUP_DESCRIPTIONS: Record<string, string> = {
  key: "Manage this server's Skidio API key (needs the Manage Server permission)",
};

function described(neutral: string): string {
  const text = inDiscordWords(neutral);
  return text.length <= MAX_DESCRIPTION_CHARS ? text : `${text.slice(0, MAX_DESCRIPTION_CHARS - 1)}…`;
}

function optionJson(spec: OptionSpec): APIApplicationCommandBasicOption {
  if (spec.type === 'boolean') {
    return {
      type: ApplicationCommandOptionType.Boolean,
      name: spec.name,
      description: described(spec.description),
      required: false,
    };
  }
  if (spec.type === 'integer') {
    return {
      type: ApplicationCommandOptionType.Integer,
      name: spec.name,
      description: described(spec.description),
      required: false,
      min_value: spec.min,
      max_value: spec.max,
    };
  }
  if (spec.choices) {
    return {
      type: ApplicationCommandOptionType.String,
      name: spec.name,
      description: described(spec.description),
      required: spec.required,
      choices: spec.choices.map((choice) => ({ name: choice, value: choice })),
    };
  }
  return {
    type: ApplicationCommandOptionType.String,
    name: spec.name,
    description: described(spec.description),
    required: spec.required,
    max_length: spec.maxLength ?? DEFAULT_STRING_MAX_LENGTH,
  };
}

/**
 * A command's subcommand. Secret options (the API key) are not registered: a slash option's value shows in
 * the person's client and Discord's history, so the key is asked for in a modal instead. Discord requires
 * required options before optional ones.
 */
function subcommandJson(command: CommandDefinition, name: string): APIApplicationCommandSubcommandOption {
  const options = command.options
    .filter((spec) => !(spec.type === 'string' && spec.secret))
    .map(optionJson)
    .sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name,
    description: described(command.description),
    ...(options.length > 0 ? { options } : {}),
  };
}

/**
 * The registration body of `/skidio`.
 *
 * Admin-only commands: `default_member_permissions` applies to a whole command, not to a subcommand, so
 * setting it would hide `status` and `help` from everyone else too. Nothing is hidden; `key` commands are
 * checked in code (Manage Server, from the interaction's member permissions). Server admins may still narrow
 * the whole command per role or channel in Server Settings → Integrations.
 * https://discord.com/developers/docs/interactions/application-commands#permissions
 *
 * `contexts` replaces the deprecated `dm_permission`: usable in servers, and in the bot's DMs only to say
 * that commands work in servers (a DM has no workspace, hence no API key).
 */
export function skidioCommandJson(
  commands: readonly CommandDefinition[],
): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const options: Array<APIApplicationCommandSubcommandOption | APIApplicationCommandSubcommandGroupOption> =
    [];
  const groups = new Map<string, APIApplicationCommandSubcommandGroupOption>();
  // Button commands (again, share, details, delete) arrive as component clicks, never as subcommands.
  for (const command of typedCommands(commands)) {
    const [first, second, ...rest] = command.path;
    if (first === undefined || rest.length > 0) {
      throw new Error(`/skidio ${command.path.join(' ')}: Discord allows one or two words after the command`);
    }
    if (second === undefined) {
      options.push(subcommandJson(command, first));
      continue;
    }
    let group = groups.get(first);
    if (!group) {
      group = {
        type: ApplicationCommandOptionType.SubcommandGroup,
        name: first,
        description: described(GROUP_DESCRIPTIONS[first] ?? `${first} commands`),
        options: [],
      };
      groups.set(first, group);
      options.push(group);
    }
    group.options?.push(subcommandJson(command, second));
  }
  return {
    name: SKIDIO_COMMAND_NAME,
    description: described(TOP_DESCRIPTION),
    options,
    contexts: [InteractionContextType.Guild, InteractionContextType.BotDM],
    integration_types: [ApplicationIntegrationType.GuildInstall],
  };
}

/** The command an interaction names (`/skidio key set` → `['key', 'set']`), if this process knows it. */
export function findCommand(
  commands: readonly CommandDefinition[],
  interaction: Pick<ChatInputCommandInteraction, 'options'>,
): CommandDefinition | undefined {
  const group = interaction.options.getSubcommandGroup(false);
  const subcommand = interaction.options.getSubcommand(false);
  const path = [group, subcommand].filter((word): word is string => typeof word === 'string');
  return commands.find(
    (command) =>
      command.path.length === path.length && command.path.every((word, index) => word === path[index]),
  );
}

/** The raw option values of an interaction for a command; validation is the dispatcher's. */
export function optionValuesOf(
  command: CommandDefinition,
  interaction: Pick<ChatInputCommandInteraction, 'options'>,
): OptionValues {
  const values: OptionValues = {};
  for (const spec of command.options) {
    const value =
      spec.type === 'boolean'
        ? interaction.options.getBoolean(spec.name, false)
        : spec.type === 'integer'
          ? interaction.options.getInteger(spec.name, false)
          : interaction.options.getString(spec.name, false);
    if (value !== null) values[spec.name] = value;
  }
  return values;
}
