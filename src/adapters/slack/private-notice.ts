/**
 * Text only the requester sees. First `chat.postEphemeral` with the bot token (no limits, but the bot must be
 * in the channel); then the command's `response_url`, which works anywhere but takes 5 posts in 30 minutes
 * (https://docs.slack.dev/interactivity/handling-user-interaction/#message_responses); last, a direct message.
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import { openDirectMessage } from './channel-access.js';
import { describeSlackFailure } from './slack-errors.js';

/** Posts to the command's response_url (Bolt's `respond`). */
export type RespondFn = (message: { response_type: 'ephemeral'; text: string }) => Promise<unknown>;

/** Slack accepts at most this many posts per response_url. */
const RESPONSE_URL_MAX_POSTS = 5;

/** Where and how to reach the requester privately. */
export interface PrivateNoticeTarget {
  client: webApi.WebClient;
  channelId: string;
  userId: string;
  respond?: RespondFn;
  log: Logger;
}

/** Builds the sender; it never rejects (a notice nobody can receive is logged). */
export function createPrivateNotifier(target: PrivateNoticeTarget): (text: string) => Promise<void> {
  const { client, channelId, userId, respond, log } = target;
  let ephemeralWorks = true;
  let responseUrlPosts = 0;

  async function viaResponseUrl(text: string): Promise<boolean> {
    if (!respond || responseUrlPosts >= RESPONSE_URL_MAX_POSTS) return false;
    responseUrlPosts++;
    try {
      await respond({ response_type: 'ephemeral', text });
      return true;
    } catch (error) {
      log.warn(
        { channel: channelId, reason: describeSlackFailure(error) },
        'could not answer through response_url',
      );
      return false;
    }
  }

  async function viaDirectMessage(text: string): Promise<void> {
    try {
      const dm = await openDirectMessage(client, userId);
      await client.chat.postMessage({ channel: dm, text });
    } catch (error) {
      log.error(
        { user: userId, reason: describeSlackFailure(error) },
        'could not reach the requester privately by any means',
      );
    }
  }

  return async (text) => {
    if (ephemeralWorks) {
      try {
        await client.chat.postEphemeral({ channel: channelId, user: userId, text });
        return;
      } catch (error) {
        // Usually the bot is not in the channel; don't try it again for this conversation.
        ephemeralWorks = false;
        log.info(
          { channel: channelId, reason: describeSlackFailure(error) },
          'ephemeral message refused; falling back',
        );
      }
    }
    if (await viaResponseUrl(text)) return;
    await viaDirectMessage(text);
  };
}
