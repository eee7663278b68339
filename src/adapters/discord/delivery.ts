/**
 * Where a Discord conversation's replies go, as stored with a watch (`delivery`), so that a restarted
 * process can keep editing the interaction reply while its token lives and post in the channel after.
 */
import { z } from 'zod';
import type { SecretBox } from '../../core/secret-box.js';

/**
 * Interaction tokens are valid for 15 minutes
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object).
 */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
/** The bot hands over to its own messages this long before the token dies, to still say so in the reply. */
export const TOKEN_SAFETY_MARGIN_MS = 60_000;
/** Default lifetime the adapter assumes for a token: 15 minutes minus the safety margin. */
export const DEFAULT_TOKEN_LIFETIME_MS = INTERACTION_TOKEN_LIFETIME_MS - TOKEN_SAFETY_MARGIN_MS;
/** Discord's default upload limit per file when the interaction does not say (10 MiB). */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

const deliverySchema = z.object({
  platform: z.literal('discord'),
  applicationId: z.string().regex(/^\d+$/),
  guildId: z.string().regex(/^\d+$/),
  channelId: z.string().regex(/^\d+$/),
  requesterId: z.string().regex(/^\d+$/),
  interactionToken: z.string().min(1),
  /** Epoch ms after which the bot stops using the token (the adapter's lifetime, not Discord's). */
  tokenExpiresAt: z.number(),
  ephemeral: z.boolean(),
  attachmentSizeLimit: z.number().int().positive(),
  /** The job this conversation is about, when there is one: only used in the bot's own messages. */
  jobId: z.string().optional(),
});

/** A Discord conversation's address. Stored as JSON; holds an interaction token, so it is never logged. */
export type DiscordDelivery = z.infer<typeof deliverySchema>;

const sealedSchema = z.object({ v: z.literal(1), iv: z.string(), tag: z.string(), data: z.string() });
const addressSchema = deliverySchema.omit({ interactionToken: true }).extend({
  /** The interaction token sealed like the API keys: it is a credential for 15 minutes. */
  sealedToken: sealedSchema.optional(),
});

/** A conversation's address as stored with a watch: the interaction token sealed, or left out. */
export type DiscordAddress = z.infer<typeof addressSchema>;

/**
 * The stored form of `delivery`. Without `KEY_ENCRYPTION_SECRET` the token is not stored at all: another
 * instance or the next start then answers in the bot's own channel messages.
 */
export function discordAddressOf(delivery: DiscordDelivery, sealer: SecretBox | undefined): DiscordAddress {
  const { interactionToken, ...rest } = delivery;
  return sealer && interactionToken ? { ...rest, sealedToken: sealer.seal(interactionToken) } : rest;
}

/** Reads a stored address back; undefined when it belongs to another platform or is malformed. */
export function openDiscordAddress(
  value: unknown,
  sealer: SecretBox | undefined,
): DiscordDelivery | undefined {
  const parsed = addressSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { sealedToken, ...rest } = parsed.data;
  const interactionToken = sealedToken && sealer ? openToken(sealer, sealedToken) : undefined;
  // A token that cannot be opened is as good as expired: replies go through the bot's own messages.
  return interactionToken
    ? { ...rest, interactionToken }
    : { ...rest, interactionToken: '', tokenExpiresAt: 0 };
}

function openToken(sealer: SecretBox, sealed: z.infer<typeof sealedSchema>): string | undefined {
  try {
    return sealer.open(sealed);
  } catch {
    return undefined;
  }
}

/** `<@id>`: a user mention (https://discord.com/developers/docs/reference#message-formatting). */
export function mentionOf(userId: string): string {
  return `<@${userId}>`;
}
