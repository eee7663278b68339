/**
 * Registration at start-up (`DISCORD_REGISTER_ON_START`): reads the commands Discord has for the application
 * (globally, or in `DISCORD_DEV_GUILD_ID`'s server), compares them with the definitions, and overwrites them
 * only when they differ, so that restarts and every instance of a deployment do not rewrite them each time.
 * https://discord.com/developers/docs/interactions/application-commands#get-global-application-commands
 */
import { type REST, Routes } from 'discord.js';
import type { CommandDefinition } from '../../core/command.js';
import {
  describeRegistrationFailure,
  RegistrationError,
  type RegistrationResult,
  registerCommands,
  registrationBody,
} from './register.js';

/** What the start-up registration did. */
export type SyncResult =
  | { changed: false; scope: 'global' | 'guild' }
  | ({ changed: true } & RegistrationResult);

/**
 * Values Discord leaves out (or answers with) when a field has its default: a command read back has no
 * `required` on optional options, and may have no `options` where none were sent.
 */
function isDefault(value: unknown): boolean {
  return (
    value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0)
  );
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sorted copy of a list of plain values (`contexts`, `integration_types`): Discord may answer them reordered. */
function asSet(values: unknown[]): string[] {
  return values.map((value) => JSON.stringify(value)).sort();
}

/**
 * Is what Discord has the same as what the bot would send? Only the fields the bot sends are compared:
 * Discord adds its own (`id`, `version`, `application_id`, `default_member_permissions`, `nsfw`, …).
 * Lists of objects (options, choices) are compared in order, since their order is what people see; lists of
 * plain values are compared as sets.
 */
export function sameDefinition(sent: unknown, registered: unknown): boolean {
  if (Array.isArray(sent)) {
    if (!Array.isArray(registered)) return sent.length === 0 && isDefault(registered);
    if (sent.length !== registered.length) return false;
    if (sent.every((value) => !isPlainObject(value) && !Array.isArray(value))) {
      return JSON.stringify(asSet(sent)) === JSON.stringify(asSet(registered));
    }
    return sent.every((value, index) => sameDefinition(value, registered[index]));
  }
  if (isPlainObject(sent)) {
    if (!isPlainObject(registered)) return false;
    return Object.entries(sent).every(([field, value]) =>
      isDefault(value) ? isDefault(registered[field]) : sameDefinition(value, registered[field]),
    );
  }
  return sent === registered;
}

/** Does the registered list match the bodies, command for command (matched by name, in any order)? */
export function commandsMatch(bodies: readonly unknown[], registered: readonly unknown[]): boolean {
  if (bodies.length !== registered.length) return false;
  return bodies.every((body) => {
    const name = isPlainObject(body) ? body.name : undefined;
    const found = registered.find((command) => isPlainObject(command) && command.name === name);
    return found !== undefined && sameDefinition(body, found);
  });
}

/** Registers the commands when Discord's differ; rejects with a `RegistrationError` naming what to fix. */
export async function syncCommands(
  rest: REST,
  options: { applicationId: string; guildId?: string; commands: readonly CommandDefinition[] },
): Promise<SyncResult> {
  const { applicationId, guildId, commands } = options;
  const scope = guildId === undefined ? 'global' : 'guild';
  const route =
    guildId === undefined
      ? Routes.applicationCommands(applicationId)
      : Routes.applicationGuildCommands(applicationId, guildId);
  let registered: unknown;
  try {
    registered = await rest.get(route);
  } catch (error) {
    throw new RegistrationError(describeRegistrationFailure(error, guildId), { cause: error });
  }
  if (Array.isArray(registered) && commandsMatch(registrationBody(commands, guildId), registered)) {
    return { changed: false, scope };
  }
  return { changed: true, ...(await registerCommands(rest, options)) };
}
