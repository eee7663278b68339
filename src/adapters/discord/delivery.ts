/**
 * Where a Discord conversation's replies go, as stored with a watch (`delivery`), so that a restarted
 * process can keep editing the interaction reply while its token lives and post in the channel after.
 */
import { z } from 'zod';

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

/** Reads a stored `delivery`; undefined when it belongs to another platform or is malformed. */
export function parseDiscordDelivery(value: unknown): DiscordDelivery | undefined {
  const parsed = deliverySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** `<@id>`: a user mention (https://discord.com/developers/docs/reference#message-formatting). */
export function mentionOf(userId: string): string {
  return `<@${userId}>`;
}
