/**
 * The platform-neutral shape of a command and the invocation an adapter builds from a platform event. Commands
 * in `commands/` are written against these types and the reply surface (`reply-surface.ts`) only.
 */
import type { CommandGate } from './command-gate.js';
import type { Clock, Logger, WorkspaceId } from './ports.js';
import type { ReplySurface } from './reply-surface.js';
import type { ResultRecords } from './results/result-records.js';
import type { SkidioClient, SkidioModel } from './skidio-client.js';
import type { JobWatcher, NewAsker } from './watcher/types.js';
import type { WorkspaceKeyStore } from './workspace-key-store.js';

/** One option of a command. Strings are validated (and may be normalized) by `validate`. */
export type OptionSpec =
  | {
      name: string;
      description: string;
      type: 'string';
      required: boolean;
      /** A secret (an API key): never echoed, never logged, and on platforms with forms asked for in one. */
      secret?: boolean;
      maxLength?: number;
      /** The only values allowed (Discord shows them as choices, Slack's form as a select). */
      choices?: readonly string[];
      /** `choices` are suggestions: other values pass to `validate` (imagine's typed sizes). */
      acceptsOther?: boolean;
      /**
       * In the text grammar, every word before the first `--flag` (a prompt), instead of one positional word;
       * the other options are then given as `--name value` (or `--name` for a boolean).
       */
      rest?: boolean;
      validate?(value: string): string;
    }
  | {
      name: string;
      description: string;
      type: 'integer';
      required: false;
      min: number;
      max: number;
    }
  | { name: string; description: string; type: 'boolean'; required: false };

/** Validated option values by name. */
export type OptionValues = Record<string, string | number | boolean | undefined>;

/** Who runs a command. `mention` is the platform's way to address them in a channel message. */
export interface Requester {
  id: string;
  displayName: string;
  mention: string;
  isAdmin: boolean;
}

/** A command as a person invoked it, whatever the platform. */
export interface Invocation {
  /** The adapter that took the command (`discord`, `slack`, `console`): routes stored replies back to it. */
  platform: string;
  workspace: WorkspaceId;
  requester: Requester;
  command: CommandDefinition;
  options: OptionValues;
}

/** Per-person and per-workspace command rates; `consume` throws `TooManyCommandsError` when one is used up. */
export interface CommandLimiter {
  consume(workspace: WorkspaceId, userId: string): Promise<void>;
}

/** What handlers may use. */
export interface CommandServices {
  /** Absent means no rate limit (the console, tests of other things). */
  limiter?: CommandLimiter;
  /** Closed at shutdown: new commands get the "restarting" reply. Absent means always open. */
  gate?: CommandGate;
  keys: WorkspaceKeyStore;
  watcher: JobWatcher;
  clock: Clock;
  logger: Logger;
  commands: readonly CommandDefinition[];
  /** The Skidio client, for commands that submit jobs (imagine); absent where none is wired. */
  client?: SkidioClient;
  /** `SKIDIO_DEFAULT_MODEL`: imagine's model when none is given. */
  defaultModel?: SkidioModel;
  /** Random numbers in [0, 1) (imagine's seeds); tests fix them. */
  random?: () => number;
  /** Webhook URLs for submissions (PUBLIC_URL set, an HTTP server running); absent: the watcher polls. */
  webhooks?: WebhookIssuer;
  /** Posted results, for their buttons (again, share, details, delete); absent: those commands refuse. */
  results?: ResultRecords;
}

/** Issues a submission's own webhook URL (the URL is a credential: never logged). */
export interface WebhookIssuer {
  issue(workspace: WorkspaceId): Promise<IssuedWebhook>;
}

/** A webhook URL not yet tied to a job: `bind` once the submission is accepted, `discard` if it is not. */
export interface IssuedWebhook {
  url: string;
  bind(jobId: string): Promise<void>;
  discard(): Promise<void>;
}

/** What a handler receives. */
export interface CommandContext {
  invocation: Invocation;
  reply: ReplySurface;
  services: CommandServices;
}

/** A command: its grammar, who may run it, whether its replies are private, and what it does. */
export interface CommandDefinition {
  /** Words after `/skidio`, e.g. `['status']` or `['key', 'set']`. */
  path: readonly string[];
  description: string;
  options: readonly OptionSpec[];
  adminOnly: boolean;
  /** Whether the first reply (and the ack) is visible only to the requester. */
  isPrivate(options: OptionValues): boolean;
  /** Replies keep arriving long after the ack (a job watch): adapters must not hold anything up waiting. */
  longRunning: boolean;
  /**
   * Run from a result's button (and typed as text on Slack and the console): not a Discord subcommand, not
   * listed by help. `'removes'`: it acts on the message it was clicked on (Delete), so adapters acknowledge
   * without posting a new message.
   */
  button?: 'posts' | 'removes';
  handler(context: CommandContext): Promise<void>;
}

/** The commands people type from memory: help lists them, Discord registers them (button commands are not). */
export function typedCommands(commands: readonly CommandDefinition[]): CommandDefinition[] {
  return commands.filter((command) => command.button === undefined);
}

/** `status`, `key set`: the command's words joined. */
export function commandName(command: CommandDefinition): string {
  return command.path.join(' ');
}

/** A one-line usage, e.g. `/skidio status <job_id> [private]`. */
export function usageOf(command: CommandDefinition): string {
  const flags = command.options.some((option) => option.type === 'string' && option.rest === true);
  const options = command.options.map((option) => {
    if (option.type === 'boolean') return flags ? `[--${option.name}]` : `[${option.name}]`;
    if (option.type === 'string' && option.rest) return `<${option.name}>`;
    if (flags) return `[--${option.name} <${option.type === 'integer' ? 'n' : option.name}>]`;
    return option.required ? `<${option.name}>` : `[<${option.name}>]`;
  });
  return ['/skidio', ...command.path, ...options].join(' ');
}

export {
  type ProgressReply,
  ReplyNotDeliveredError,
  type ReplySurface,
  type ResultReply,
} from './reply-surface.js';

/** The person who ran `invocation`, as a job watch records them: where and how to answer them. */
export function askerOf(invocation: Invocation, reply: ReplySurface): NewAsker {
  return {
    platform: invocation.platform,
    requesterId: invocation.requester.id,
    mention: invocation.requester.mention,
    ...(invocation.command.isPrivate(invocation.options) ? { private: true } : {}),
    surface: reply,
  };
}
