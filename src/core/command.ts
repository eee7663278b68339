/**
 * The platform-neutral shape of a command, the invocation an adapter builds from a platform event, and the
 * reply surface an adapter implements. Commands in `commands/` are written against these types only.
 */
import type { CommandGate } from './command-gate.js';
import type { ResolvedImages } from './images.js';
import type { JobStatus } from './job-status.js';
import type { Clock, Logger, WorkspaceId } from './ports.js';
import type { JobWatcher } from './watcher/types.js';
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
      validate?(value: string): string;
    }
  | { name: string; description: string; type: 'boolean'; required: false };

/** Validated option values by name. */
export type OptionValues = Record<string, string | boolean | undefined>;

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

/** A progress update for one job. */
export interface ProgressReply {
  jobId: string;
  status: Extract<JobStatus, { state: 'queued' | 'running' | 'unknown' }>;
  elapsedMs: number;
  text: string;
}

/** A finished job's images, with the line that goes with them. */
export interface ResultReply {
  jobId: string;
  images: ResolvedImages;
  text: string;
}

/**
 * Where replies go. One surface per invocation; the adapter decides how each reply looks on its platform.
 * `delivery` is the adapter's JSON address of this conversation, stored with a watch so replies can resume
 * after a restart. Failures are the surface's to log and, where it can, to tell the person; only `result`
 * and `error` may reject, with `ReplyNotDeliveredError`, when the platform did not take the reply for a reason
 * that may pass: the job watcher then keeps it owed and tries again.
 */
export interface ReplySurface {
  readonly delivery: unknown;
  progress(reply: ProgressReply): Promise<void>;
  /** The job's images; rejects with `ReplyNotDeliveredError` when they did not reach the platform. */
  result(reply: ResultReply): Promise<void>;
  /**
   * A final failure message about the command (shown where the result would have been); `jobId` when it is
   * about a job, so that adapters learn the job from the reply, never from the command's options.
   */
  error(text: string, jobId?: string): Promise<void>;
  /** A message only the requester sees. */
  privateText(text: string): Promise<void>;
  /** The conversation now waits on this job (the watcher says so once it has recorded the person). */
  watching?(jobId: string): void;
  /** Asks the requester for a secret in a form; undefined on platforms without forms (the console). */
  openSecretForm?(command: CommandDefinition): Promise<void>;
}

/**
 * A final reply did not reach the platform (5xx or network failure after the platform library's own
 * retries, or the adapter stopping). Not shown to anyone: the watcher keeps the reply owed, in the store,
 * and tries again. A surface that knows the reply can never be delivered (no permission to post there)
 * tells the person and resolves instead.
 */
export class ReplyNotDeliveredError extends Error {
  override readonly name = 'ReplyNotDeliveredError';
  readonly code = 'reply_not_delivered';
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
  handler(context: CommandContext): Promise<void>;
}

/** `status`, `key set`: the command's words joined. */
export function commandName(command: CommandDefinition): string {
  return command.path.join(' ');
}

/** A one-line usage, e.g. `/skidio status <job_id> [private]`. */
export function usageOf(command: CommandDefinition): string {
  const options = command.options.map((option) =>
    option.type === 'boolean'
      ? `[${option.name}]`
      : option.required
        ? `<${option.name}>`
        : `[<${option.name}>]`,
  );
  return ['/skidio', ...command.path, ...options].join(' ');
}
