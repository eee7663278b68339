/**
 * The invite link of the landing page: Discord's authorization URL with the bot and slash-command scopes and
 * the channel permissions the bot's own REST calls need.
 * https://discord.com/developers/docs/topics/oauth2#bot-authorization-flow
 */
import { PermissionFlagsBits } from 'discord.js';

/**
 * What the bot does with its own token (messenger.ts), and the permission each needs. Replies through the
 * interaction token need none; the bot's own messages (progress and results past the token's 15 minutes,
 * restored watches) are `POST`/`PATCH /channels/{id}/messages`:
 * - View Channel and Send Messages: post in the channel at all;
 * - Send Messages in Threads: the same when the command was run in a thread;
 * - Attach Files: the images;
 * - Embed Links: an image too large to upload is posted as a link, which shows as a preview only with it.
 * Read Message History is not asked for: the bot edits only its own messages, by id, and reads none.
 */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.EmbedLinks;

/** `https://discord.com/oauth2/authorize?client_id=…&scope=bot+applications.commands&permissions=…`. */
export function discordInstallUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${encodeURIComponent(applicationId)}&scope=bot+applications.commands&permissions=${BOT_PERMISSIONS}`;
}
