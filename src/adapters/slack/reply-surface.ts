/**
 * The core's reply surface on Slack, all through the bot token (a response_url allows only 5 posts in 30
 * minutes, too few for a job watch):
 * - progress: one `chat.postMessage`, then `chat.update` only when the job's state changes;
 * - result: every image in one shared message (result-upload.ts), then the progress message says it is done;
 * - `private`: the same in the requester's DM (`conversations.open`), and an ephemeral note in the channel;
 * - errors: in the progress message when there is one, else privately to the requester.
 * A failure is logged and, where possible, the person is told. Only `result` rejects: when Slack did not take
 * the images for a reason that may pass (`ReplyNotDeliveredError`), so that the job watcher tries again; the
 * person hears about it once. Nothing is tried again where the bot cannot get in: it says how to invite it.
 */
import type { webApi } from '@slack/bolt';
import {
  type ProgressReply,
  ReplyNotDeliveredError,
  type ReplySurface,
  type ResultReply,
} from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import {
  ChannelUnreachableError,
  inviteHint,
  openDirectMessage,
  withChannelAccess,
} from './channel-access.js';
import { createPrivateNotifier, type RespondFn } from './private-notice.js';
import { type PostedSlackResult, resultButtonBlocks } from './result-blocks.js';
import {
  doneAboveText,
  doneText,
  sentByDirectMessageText,
  uploadFailedText,
  uploadJobImages,
} from './result-upload.js';
import type { SlackDelivery } from './slack-delivery.js';
import { describeSlackFailure } from './slack-errors.js';
import type { BotIdentity } from './slack-identity.js';

/** What a Slack reply surface needs. */
export interface SlackReplyContext {
  client: webApi.WebClient;
  delivery: SlackDelivery;
  identity: BotIdentity;
  log: Logger;
  /** How the raw image upload retries: as the Web API client does. */
  uploadRetry: webApi.RetryOptions;
  /** The command's response_url, when the replies answer a live slash command. */
  respond?: RespondFn;
  /** Opens the key form; only a live slash command can (its trigger id is valid for 3 s). */
  openKeyForm?: () => Promise<void>;
}

interface ProgressMessage {
  channel: string;
  ts: string;
  state: string;
}

/** Builds the surface for one conversation. */
export function createSlackReplySurface(context: SlackReplyContext): ReplySurface {
  const { client, delivery, identity, log } = context;
  const notify = createPrivateNotifier({
    client,
    channelId: delivery.channelId,
    userId: delivery.userId,
    log,
    ...(context.respond ? { respond: context.respond } : {}),
  });
  let progressMessage: ProgressMessage | undefined = delivery.progress && { ...delivery.progress };
  let directMessage: string | undefined;
  // Set once the person has been told to invite the bot: later posts would only fail again.
  let unreachable = false;
  // Set once the person has heard that the images did not go up: further tries stay quiet until one works.
  let toldUploadFailed = false;

  async function replyChannel(): Promise<string> {
    if (!delivery.private) return delivery.channelId;
    directMessage ??= await openDirectMessage(client, delivery.userId);
    return directMessage;
  }

  /** Logs a failed post and tells the person what they can do (`tell`), or how to invite the bot. */
  async function failed(error: unknown, what: string, tell?: string): Promise<void> {
    if (error instanceof ChannelUnreachableError) {
      if (unreachable) return;
      unreachable = true;
      log.warn(
        { channel: error.channelId, reason: error.slackError },
        `cannot post ${what}: the bot is not in the channel and cannot join it`,
      );
      const hint = inviteHint(error.channelId, identity);
      await notify(tell === undefined ? hint : `${tell}\n${hint}`);
      return;
    }
    log.error(
      { channel: delivery.channelId, reason: describeSlackFailure(error) },
      `could not post ${what} to Slack`,
    );
    if (tell !== undefined) await notify(tell);
  }

  /** Shows a final line where the result would have been: in the progress message, or as a new message. */
  async function showFinal(text: string, what: string): Promise<void> {
    try {
      if (progressMessage) {
        await client.chat.update({ channel: progressMessage.channel, ts: progressMessage.ts, text });
        return;
      }
      const channel = await replyChannel();
      await withChannelAccess(client, channel, log, () => client.chat.postMessage({ channel, text }));
    } catch (error) {
      await failed(error, what, text);
    }
  }

  async function progress(reply: ProgressReply): Promise<void> {
    if (unreachable) return;
    try {
      if (!progressMessage) {
        const channel = await replyChannel();
        const posted = await withChannelAccess(client, channel, log, () =>
          client.chat.postMessage({ channel, text: reply.text }),
        );
        progressMessage = { channel, ts: posted.ts ?? '', state: reply.status.state };
      } else if (progressMessage.state !== reply.status.state) {
        // Slack rate-limits chat.update per channel: edit only when there is news.
        // https://docs.slack.dev/reference/methods/chat.update
        progressMessage.state = reply.status.state;
        await client.chat.update({
          channel: progressMessage.channel,
          ts: progressMessage.ts,
          text: reply.text,
        });
      }
    } catch (error) {
      await failed(error, 'job progress');
    }
  }

  async function result(reply: ResultReply): Promise<PostedSlackResult | undefined> {
    if (unreachable) return;
    const count = reply.images.files.length;
    if (count === 0) {
      await showFinal(reply.text, 'a job result');
      return;
    }
    let channel: string;
    let files: string[];
    try {
      channel = await replyChannel();
      files = await uploadJobImages(client, channel, reply, log, context.uploadRetry);
    } catch (error) {
      if (error instanceof ChannelUnreachableError) {
        await failed(error, 'job images');
        return;
      }
      log.error(
        { jobId: reply.jobId, reason: describeSlackFailure(error) },
        'could not upload job images to Slack',
      );
      if (!toldUploadFailed) {
        toldUploadFailed = true;
        await showFinal(uploadFailedText(reply), 'an upload failure');
      }
      throw new ReplyNotDeliveredError('Slack did not take the job images', { cause: error });
    }
    const buttonsAt = await markDone(reply, channel, count);
    if (delivery.private && channel !== delivery.channelId)
      await notify(sentByDirectMessageText(reply.jobId, count));
    return { channel, ...(buttonsAt ? { ts: buttonsAt } : {}), files } satisfies PostedSlackResult;
  }

  /**
   * The progress message says the images are posted, with the result's buttons (a new message carries them
   * when there was no progress message). Resolves to the ts of the message with the buttons.
   */
  async function markDone(reply: ResultReply, channel: string, count: number): Promise<string | undefined> {
    const text = doneText(reply.jobId, count);
    const actions = reply.actions ?? [];
    const blocks = actions.length > 0 ? { blocks: resultButtonBlocks(text, actions) } : {};
    try {
      if (progressMessage) {
        const { channel: at, ts } = progressMessage;
        await client.chat.update({ channel: at, ts, text, ...blocks });
        return actions.length > 0 ? ts : undefined;
      }
      if (actions.length === 0) return undefined;
      const above = doneAboveText(reply.jobId, count);
      const posted = await client.chat.postMessage({
        channel,
        text: above,
        blocks: resultButtonBlocks(above, actions),
      });
      return posted.ts;
    } catch (error) {
      log.warn(
        { reason: describeSlackFailure(error) },
        'could not mark the result done (its buttons are missing)',
      );
      return undefined;
    }
  }

  async function error(text: string): Promise<void> {
    if (progressMessage && !unreachable) {
      await showFinal(text, 'a job error');
      return;
    }
    await notify(text);
  }

  const surface: ReplySurface = {
    // Read after each reply: the stored address follows the progress message, for whoever posts next.
    get delivery(): SlackDelivery {
      return progressMessage ? { ...delivery, progress: { ...progressMessage } } : delivery;
    },
    progress,
    result,
    error,
    privateText: notify,
  };
  const { openKeyForm } = context;
  if (openKeyForm) surface.openSecretForm = () => openKeyForm();
  return surface;
}
