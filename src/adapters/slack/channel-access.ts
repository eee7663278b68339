/**
 * Getting into the conversation a reply belongs in. Slack answers `not_in_channel` when the bot posts or
 * shares a file where it is not a member: a public channel can be joined (`conversations.join`) and the
 * call retried once; a private channel or someone else's DM cannot, and the person is told how to invite
 * the bot. https://docs.slack.dev/reference/methods/conversations.join
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import { slackErrorCode } from './slack-errors.js';
import { type BotIdentity, isDirectMessage, slackMention } from './slack-identity.js';

/** The bot cannot post in a conversation and cannot get in by itself. */
export class ChannelUnreachableError extends Error {
  override readonly name = 'ChannelUnreachableError';
  constructor(
    readonly channelId: string,
    readonly slackError: string,
  ) {
    super(`the bot cannot post in ${channelId} (${slackError})`);
  }
}

/** Slack's answers that mean "the bot is not in that conversation". */
const NOT_A_MEMBER = new Set(['not_in_channel', 'channel_not_found']);

/**
 * Runs `call` (a post or upload into `channelId`); on `not_in_channel` joins the channel and runs it once
 * more. Throws `ChannelUnreachableError` when the bot is not a member and cannot join; other errors pass.
 */
export async function withChannelAccess<T>(
  client: webApi.WebClient,
  channelId: string,
  log: Logger,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code === undefined || !NOT_A_MEMBER.has(code)) throw error;
    // Private channels the bot is not in look like `channel_not_found`: joining cannot help there.
    if (code === 'channel_not_found' || isDirectMessage(channelId))
      throw new ChannelUnreachableError(channelId, code);
    try {
      await client.conversations.join({ channel: channelId });
    } catch (joinError) {
      throw new ChannelUnreachableError(channelId, slackErrorCode(joinError) ?? code);
    }
    log.info({ channel: channelId }, 'joined a public channel to post in it');
    return await call();
  }
}

/** What to tell a person whose channel the bot cannot reach. */
export function inviteHint(channelId: string, identity: BotIdentity): string {
  if (isDirectMessage(channelId)) {
    return "🔒 I can't post in this conversation. Use `/skidio` in a channel I'm in, or in a direct message with me.";
  }
  const bot = identity.botUserId ? slackMention(identity.botUserId) : '@Skidio';
  return `🔒 I'm not in this channel and can't join it by myself. Invite me with \`/invite ${bot}\`, then ask again.`;
}

/** The bot's direct-message conversation with `userId` (the same one every time). */
export async function openDirectMessage(client: webApi.WebClient, userId: string): Promise<string> {
  // A DM needs its D… conversation id; a user id is not accepted everywhere (bolt-js #2115).
  const opened = await client.conversations.open({ users: userId });
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel id');
  return id;
}
