/**
 * A guard for interaction payloads discord.js cannot read. discord.js builds the interaction object from the
 * gateway payload before any listener of ours runs, and it reads `data` and `member.user` (or `user`)
 * unconditionally: a payload without them throws inside its packet handler, which surfaces as an unhandled
 * rejection while the person is never answered. Discord always sends both, but a gateway proxy or an API
 * change must not be able to do that. discord.js emits the raw INTERACTION_CREATE by name on `client.ws`
 * synchronously, just before it handles the same object, so the guard looks first: it logs what was missing
 * (never the token), answers privately when the payload carries an id and a token to answer with, and gives
 * the payload a type discord.js skips (it logs "unknown type" at debug level and builds nothing).
 */
import {
  type Client,
  GatewayDispatchEvents,
  InteractionResponseType,
  MessageFlags,
  Routes,
} from 'discord.js';
import type { Logger } from '../../core/ports.js';
import { describeDiscordError } from './discord-errors.js';
import { UNREADABLE_INTERACTION_TEXT } from './texts.js';

/** No interaction type has this value: discord.js ignores such a payload. */
const SKIPPED_TYPE = 0;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields discord.js needs that `payload` lacks; empty when it can build the interaction. */
export function missingInteractionFields(payload: unknown): string[] {
  if (!isRecord(payload)) return ['the whole payload'];
  const missing: string[] = [];
  if (!isRecord(payload.data)) missing.push('data');
  const user = payload.user ?? (isRecord(payload.member) ? payload.member.user : undefined);
  if (!isRecord(user) || typeof user.id !== 'string') missing.push('member.user or user');
  // A component interaction (a button click) carries the message it was clicked on; discord.js reads it.
  if (payload.type === 3 && !isRecord(payload.message)) missing.push('message');
  return missing;
}

/**
 * Looks at one raw interaction before discord.js builds it: when discord.js cannot read it, logs what was
 * missing, answers privately if it can, and marks the payload so discord.js skips it. Returns true when the
 * payload is fit to hand to discord.js. The HTTP entry point calls this directly (no gateway event there).
 */
export function guardInteractionPayload(client: Client, log: Logger, payload: unknown): boolean {
  const missing = missingInteractionFields(payload);
  if (missing.length === 0 || !isRecord(payload)) return missing.length === 0;
  log.warn({ missing, interactionType: payload.type }, 'an interaction payload discord.js cannot read');
  const { id, token } = payload;
  payload.type = SKIPPED_TYPE;
  if (typeof id !== 'string' || typeof token !== 'string') return false;
  client.rest
    .post(Routes.interactionCallback(id, token), {
      body: {
        type: InteractionResponseType.ChannelMessageWithSource,
        data: { content: UNREADABLE_INTERACTION_TEXT, flags: MessageFlags.Ephemeral },
      },
      auth: false,
    })
    .catch((error: unknown) =>
      log.warn(describeDiscordError(error), 'could not answer an interaction discord.js cannot read'),
    );
  return false;
}

/** Installs the guard on a client (before or after login: the raw events start with the gateway). */
export function guardUnreadableInteractions(client: Client, log: Logger): void {
  client.ws.on(GatewayDispatchEvents.InteractionCreate, (payload: unknown) => {
    guardInteractionPayload(client, log, payload);
  });
}
