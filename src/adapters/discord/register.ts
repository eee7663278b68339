/**
 * Registers `/skidio` with Discord by bulk overwrite: globally, or in one server (`DISCORD_DEV_GUILD_ID`),
 * where changes show at once. Used by `npm run register` and, with `DISCORD_REGISTER_ON_START=true`, at
 * start-up. https://discord.com/developers/docs/interactions/application-commands#bulk-overwrite-global-application-commands
 */
import { DiscordAPIError, type REST, Routes } from 'discord.js';
import type { CommandDefinition } from '../../core/command.js';
import { skidioCommandJson } from './command-definitions.js';

/** Where the commands were registered. */
export interface RegistrationResult {
  scope: 'global' | 'guild';
  guildId?: string;
  commandNames: string[];
}

/**
 * The bulk-overwrite body for a scope. Guild commands take no `contexts` nor `integration_types` (they exist
 * in one server only), so those are left out there.
 */
export function registrationBody(commands: readonly CommandDefinition[], guildId?: string): unknown[] {
  const {
    contexts: _contexts,
    integration_types: _integrationTypes,
    ...guildCommand
  } = skidioCommandJson(commands);
  return [guildId === undefined ? skidioCommandJson(commands) : guildCommand];
}

/** A registration failure, with the fix in its message (it never contains the token). */
export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
}

/** Overwrites the application's commands; rejects with a `RegistrationError` naming what to fix. */
export async function registerCommands(
  rest: REST,
  options: { applicationId: string; guildId?: string; commands: readonly CommandDefinition[] },
): Promise<RegistrationResult> {
  const { applicationId, guildId, commands } = options;
  const route =
    guildId === undefined
      ? Routes.applicationCommands(applicationId)
      : Routes.applicationGuildCommands(applicationId, guildId);
  try {
    const registered = (await rest.put(route, { body: registrationBody(commands, guildId) })) as Array<{
      name: string;
    }>;
    return {
      scope: guildId === undefined ? 'global' : 'guild',
      ...(guildId === undefined ? {} : { guildId }),
      commandNames: registered.map((command) => command.name),
    };
  } catch (error) {
    throw new RegistrationError(describeRegistrationFailure(error, guildId), { cause: error });
  }
}

/** Why a registration call failed, in one sentence naming the setting to check (never the token). */
export function describeRegistrationFailure(error: unknown, guildId: string | undefined): string {
  if (error instanceof DiscordAPIError) {
    if (error.status === 401)
      return 'Discord refused DISCORD_TOKEN: copy the bot token again from the Developer Portal (Bot → Reset Token).';
    if (guildId !== undefined && (error.code === 50001 || error.code === 10004)) {
      return `The bot cannot register commands in server ${guildId}: check DISCORD_DEV_GUILD_ID, and invite the bot there with the applications.commands scope.`;
    }
    return `Discord refused the command registration (HTTP ${error.status}, code ${error.code}): ${error.message}`;
  }
  return `Could not reach Discord to register commands: ${error instanceof Error ? error.message : String(error)} (check DISCORD_API_URL and the network).`;
}

/** The application id of the bot token (`GET /applications/@me`). */
export async function fetchApplicationId(rest: REST): Promise<string> {
  try {
    const application = (await rest.get(Routes.currentApplication())) as { id: string };
    return application.id;
  } catch (error) {
    throw new RegistrationError(describeRegistrationFailure(error, undefined), { cause: error });
  }
}
