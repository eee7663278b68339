/**
 * Hands an interaction that arrived over HTTP to discord.js, as its gateway does with INTERACTION_CREATE:
 * through the client's `InteractionCreate` action, which builds the interaction object (ChatInputCommand,
 * ModalSubmit…) and emits `Events.InteractionCreate`, where the adapter's one handler listens. That action is
 * discord.js-internal (`client.actions`, untyped); it is reached through the one narrow cast below, checked
 * when the adapter is built, and `test/adapters/discord/discord-entry.test.ts` fails if it stops emitting.
 * (discord.js 14's gateway handler is exactly `client.actions.InteractionCreate.handle(packet.d)`.)
 */
import type { Client } from 'discord.js';
import type { Logger } from '../../core/ports.js';
import { guardInteractionPayload } from './raw-interactions.js';

/** The part of discord.js's internal action this module relies on. */
interface InteractionCreateAction {
  handle(payload: unknown): void;
}

/** discord.js no longer has what the HTTP entry point relies on (a discord.js upgrade changed its internals). */
export class DiscordJsInternalsError extends Error {
  override readonly name = 'DiscordJsInternalsError';
  readonly code = 'DISCORDJS_INTERNALS';
}

/** The function that delivers a raw interaction payload to `client`'s listeners; throws if discord.js changed. */
export function discordJsInteractionEntry(
  client: Client,
  log: Logger,
): (payload: Record<string, unknown>) => void {
  // The one cast onto discord.js internals (see the module comment).
  const action = (client as unknown as { actions?: { InteractionCreate?: Partial<InteractionCreateAction> } })
    .actions?.InteractionCreate;
  const handle = action?.handle;
  if (typeof handle !== 'function') {
    throw new DiscordJsInternalsError(
      'this discord.js version has no client.actions.InteractionCreate: Discord interactions over HTTP (DISCORD_PUBLIC_KEY) need discord.js 14',
    );
  }
  return (payload) => {
    // What the gateway path's raw-event guard does: an unreadable payload is answered, never built.
    if (!guardInteractionPayload(client, log, payload)) return;
    handle.call(action, payload);
  };
}
