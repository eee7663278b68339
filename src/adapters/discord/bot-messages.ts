/**
 * The bot's own messages for one conversation, used once the interaction token can no longer be: in the
 * channel, mentioning the requester, or in the requester's DMs for a `private` check. Progress is one message
 * edited on each change; the final reply is a new message (so the mention notifies), after which the
 * progress message points to it. Calls reject with discord.js's errors: the reply surface decides.
 */
import type { Logger } from '../../core/ports.js';
import { type DiscordDelivery, mentionOf } from './delivery.js';
import { describeDiscordError } from './discord-errors.js';
import type { DiscordMessenger, OutgoingMessage } from './messenger.js';
import type { ResultPoster } from './result-posts.js';
import { finishedBelowText } from './texts.js';

/** Posting as the bot, for one conversation. */
export interface BotMessages {
  /** Shows a progress line: creates the progress message, or edits it when the line changed. */
  showProgress(text: string): Promise<void>;
  /** Posts a result through the poster this builds (the first message pings the requester). */
  postResult(post: (poster: ResultPoster) => Promise<void>): Promise<void>;
  /** Posts a final text, mentioning the requester in a channel. */
  postText(text: string): Promise<void>;
}

/** Builds the bot's messages for a conversation. */
export function createBotMessages(
  delivery: DiscordDelivery,
  messenger: DiscordMessenger,
  log: Logger,
): BotMessages {
  const { requesterId, ephemeral: privately } = delivery;
  // DMs notify anyway; in a channel the mention is what tells the requester.
  const mention = privately ? '' : `${mentionOf(requesterId)} `;
  let directChannelId: string | undefined;
  let progress: { channelId: string; id: string; content: string } | undefined;

  async function channel(): Promise<string> {
    if (!privately) return delivery.channelId;
    directChannelId ??= await messenger.openDirectMessage(requesterId);
    return directChannelId;
  }

  async function send(message: OutgoingMessage): Promise<void> {
    await messenger.send(await channel(), message);
  }

  /** Once the final reply is below it, the progress message says so rather than showing a stale state. */
  async function settleProgress(): Promise<void> {
    if (!progress) return;
    await messenger
      .edit(progress.channelId, progress.id, { content: finishedBelowText(delivery.jobId) })
      .catch((error: unknown) =>
        log.debug(describeDiscordError(error), 'could not settle the progress message'),
      );
  }

  return {
    async showProgress(text) {
      const content = `${mention}${text}`;
      if (progress?.content === content) return;
      const message = { content, mentionUserId: requesterId };
      if (progress) {
        await messenger.edit(progress.channelId, progress.id, message);
        progress.content = content;
        return;
      }
      const channelId = await channel();
      progress = { channelId, id: await messenger.send(channelId, message), content };
    },
    async postResult(post) {
      await post({
        first: (message) => send({ ...message, mentionUserId: requesterId }),
        next: (message) => send(message),
      });
      await settleProgress();
    },
    async postText(text) {
      await send({ content: `${mention}${text}`, mentionUserId: requesterId });
      await settleProgress();
    },
  };
}
