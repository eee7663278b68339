/**
 * Replies to one Discord conversation. While the interaction token lives, progress, the result and errors
 * edit the deferred reply (more images go in follow-ups). The token dies after 15 minutes
 * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object), so
 * a little before that (the lifetime is injectable) a job watch hands over to the bot's own messages: in the
 * channel, mentioning the requester, or by DM for a `private` check (a private result must not land in the
 * channel). The handover is announced in the reply while it can still be edited, and if the bot may not post
 * there (50013/50001, closed DMs) the reply says so instead. Failures are logged; only a final reply (the
 * result or an error) that Discord did not take for another reason rejects, with `ReplyNotDeliveredError`,
 * so that the job watcher keeps it owed and tries again.
 */
import {
  type ProgressReply,
  ReplyNotDeliveredError,
  type ReplySurface,
  type ResultReply,
} from '../../core/command.js';
import type { Clock, Logger } from '../../core/ports.js';
import type { SecretBox } from '../../core/secret-box.js';
import { createBotMessages } from './bot-messages.js';
import { type DiscordDelivery, discordAddressOf, openDiscordAddress } from './delivery.js';
import { describeDiscordError, isInteractionGone, isPostingForbidden } from './discord-errors.js';
import type { DiscordMessenger, OutgoingMessage } from './messenger.js';
import { postResult, type ResultPoster } from './result-posts.js';
import { cannotPostNotice, handoverNotice, inDiscordWords, stillWatchingText } from './texts.js';
import { uploadLimits } from './uploads.js';

/** What a surface needs from the adapter. */
export interface ReplySurfaceDeps {
  messenger: DiscordMessenger;
  clock: Clock;
  logger: Logger;
  /** Aborted when the adapter stops: nothing more is posted, timers end. */
  shutdown: AbortSignal;
  /** Seals the interaction token in the stored address (absent: the token is not stored). */
  sealer: SecretBox | undefined;
}

/** How the surface is used. */
export interface ReplySurfaceOptions {
  /**
   * Rebuilt for a job watch: replies outlive the token, so the handover is armed at once. A live surface arms
   * it when the watcher says it watches a job (`watching`).
   */
  watchesJob: boolean;
  /**
   * Rebuilt after a restart. Past the lifetime, the earlier process already announced the handover and
   * pinged the requester: post only the end, never progress again.
   */
  restored?: boolean;
  /** The stored address it was rebuilt from: kept as its `delivery`, rather than sealed again. */
  storedAs?: unknown;
}

/** Where replies currently go. */
type Route = 'interaction' | 'messages' | 'nowhere';

/** Builds the surface for a conversation. */
export function createDiscordReplySurface(
  given: DiscordDelivery,
  deps: ReplySurfaceDeps,
  options: ReplySurfaceOptions,
): ReplySurface {
  const { messenger, clock } = deps;
  // Its own copy: the job id is learned from the first reply about a job, and the bot's messages read it here.
  const delivery: DiscordDelivery = { ...given };
  const { ephemeral: privately, applicationId, interactionToken } = delivery;
  const log = deps.logger.child({ channel: delivery.channelId, user: delivery.requesterId });
  const learnJob = (jobId: string | undefined) => {
    delivery.jobId ??= jobId;
  };
  let armed = false;
  const bot = createBotMessages(delivery, messenger, log);
  const limits = uploadLimits(delivery.attachmentSizeLimit);
  const handoverTimer = new AbortController();
  let route: Route = 'interaction';
  let quiet = false;
  let finished = false;
  let lastProgress: string | undefined;
  let queue: Promise<void> = Promise.resolve();

  /** Runs replies one at a time, in order. Only a final reply's failure reaches its caller. */
  function serial(work: () => Promise<void>, final = false): Promise<void> {
    const run = queue.then(() => {
      if (!deps.shutdown.aborted) return work();
      // A final reply not sent because the adapter stopped stays owed, for the next process.
      if (final) throw new ReplyNotDeliveredError('the Discord adapter has stopped');
      return undefined;
    });
    queue = run.catch((error: unknown) => {
      if (!(error instanceof ReplyNotDeliveredError))
        log.error(describeDiscordError(error), 'a Discord reply failed');
    });
    return final ? run : queue;
  }

  const editOriginal = (message: OutgoingMessage) =>
    messenger.editOriginal(applicationId, interactionToken, message);
  const lifetimeOver = () => route === 'interaction' && clock.now() >= delivery.tokenExpiresAt;
  // A function, so the compiler does not keep `route` narrowed across the awaits that change it.
  const isForbiddenRoute = () => route === 'nowhere';

  async function tryEditOriginal(content: string): Promise<void> {
    await editOriginal({ content }).catch((error: unknown) =>
      log.debug(describeDiscordError(error), 'could not edit the interaction reply (token gone)'),
    );
  }

  /** Posting as the bot failed: if it is forbidden, stop trying and say so while the reply can be edited. */
  async function onPostingFailure(error: unknown, what: string): Promise<void> {
    if (!isPostingForbidden(error)) {
      log.error(describeDiscordError(error), `could not post ${what} as a bot message`);
      return;
    }
    route = 'nowhere';
    log.warn(
      describeDiscordError(error),
      privately
        ? `cannot DM the requester: ${what} of a private check cannot be delivered once the token expires`
        : `the bot may not post in this channel: ${what} cannot be delivered once the token expires`,
    );
    await tryEditOriginal(
      [lastProgress, cannotPostNotice(privately, delivery.jobId)].filter(Boolean).join('\n'),
    );
  }

  async function showProgress(text: string): Promise<void> {
    if (quiet || route !== 'messages') return;
    await bot.showProgress(text).catch((error: unknown) => onPostingFailure(error, 'progress'));
  }

  /** Moves replies from the interaction to the bot's own messages, announcing it while it can. */
  async function handOver(reason: string): Promise<void> {
    if (route !== 'interaction') return;
    route = 'messages';
    handoverTimer.abort();
    log.info({ reason }, 'replies move from the interaction to bot messages');
    if (options.restored && reason === 'lifetime') quiet = true;
    if (quiet || finished) return;
    const text = lastProgress ?? stillWatchingText(delivery.jobId);
    await showProgress(text);
    if (route === 'messages') await tryEditOriginal(`${text}\n${handoverNotice(privately)}`);
  }

  /** Posts a final reply on the interaction, else (lifetime over, token gone, or failure) as the bot. */
  async function deliverFinal(onInteraction: () => Promise<void>, asBot: () => Promise<void>): Promise<void> {
    if (finished) return;
    finished = true;
    handoverTimer.abort();
    if (lifetimeOver()) await handOver('lifetime');
    if (route === 'interaction') {
      try {
        await onInteraction();
        return;
      } catch (error) {
        log.warn(describeDiscordError(error), 'the interaction reply failed; posting a bot message instead');
        await handOver(isInteractionGone(error) ? 'token gone' : 'interaction failed');
      }
    }
    if (route === 'nowhere') {
      log.warn({}, 'the final reply was not delivered: the bot may not post there');
      return;
    }
    try {
      await asBot();
    } catch (error) {
      await onPostingFailure(error, 'the final reply');
      // Forbidden: the person was told, and trying again cannot help. Anything else may pass: stay owed.
      if (isForbiddenRoute()) return;
      finished = false;
      throw new ReplyNotDeliveredError('Discord did not take the final reply', { cause: error });
    }
  }

  /** A job watch's replies outlive the token: hand over to the bot's messages a little before it dies. */
  function armHandover(): void {
    if (armed) return;
    armed = true;
    const wait = Math.max(0, delivery.tokenExpiresAt - clock.now());
    clock.sleep(wait, AbortSignal.any([handoverTimer.signal, deps.shutdown])).then(
      () => serial(async () => (finished ? undefined : handOver('lifetime'))),
      () => undefined,
    );
  }
  if (options.watchesJob) armHandover();

  return speakDiscord({
    delivery: options.storedAs ?? discordAddressOf(given, deps.sealer),
    progress: (reply: ProgressReply) =>
      serial(async () => {
        learnJob(reply.jobId);
        if (finished) return;
        lastProgress = reply.text;
        if (lifetimeOver()) await handOver('lifetime');
        if (route === 'interaction') {
          try {
            await editOriginal({ content: reply.text });
            return;
          } catch (error) {
            if (!isInteractionGone(error)) {
              log.warn(describeDiscordError(error), 'could not update the progress reply');
              return;
            }
            await handOver('token gone');
          }
        }
        await showProgress(reply.text);
      }),
    result: (reply: ResultReply) =>
      serial(async () => {
        learnJob(reply.jobId);
        const result = { jobId: reply.jobId, text: reply.text, files: reply.images.files, limits };
        // The buttons go on the first message: the text and (for imagine's up to 4) every image.
        const buttons = reply.actions ?? [];
        const interaction: ResultPoster = {
          // The requester is mentioned in the text; nobody else may be pinged by it.
          first: (message) => editOriginal({ ...message, mentionUserId: delivery.requesterId, buttons }),
          next: (message) =>
            messenger.followUp(applicationId, interactionToken, { ...message, ephemeral: privately }),
        };
        await deliverFinal(
          () => postResult(interaction, result, log),
          () =>
            bot.postResult((poster) =>
              postResult(
                { ...poster, first: (message) => poster.first({ ...message, buttons }) },
                result,
                log,
              ),
            ),
        );
      }, true),
    error: (text: string, jobId?: string) =>
      serial(() => {
        learnJob(jobId);
        return deliverFinal(
          () => editOriginal({ content: text }),
          () => bot.postText(text),
        );
      }, true),
    watching(jobId: string) {
      learnJob(jobId);
      armHandover();
    },
    // A private result handed over to a DM is shared from there: into the channel it was asked in, as the bot.
    inChannelOf(address: unknown) {
      const origin = openDiscordAddress(address, deps.sealer);
      if (!origin || origin.channelId === delivery.channelId) return undefined;
      return createDiscordReplySurface(
        {
          ...origin,
          requesterId: delivery.requesterId,
          ephemeral: false,
          interactionToken: '',
          tokenExpiresAt: 0,
        },
        deps,
        { watchesJob: false },
      );
    },
    privateText: (text: string) =>
      serial(async () => {
        await editOriginal({ content: text }).catch((error: unknown) =>
          log.warn(describeDiscordError(error), 'could not deliver a private reply'),
        );
      }),
  });
}

/** The surface with every text in Discord's words ("server", not "workspace"). */
function speakDiscord(surface: ReplySurface): ReplySurface {
  return {
    ...surface,
    progress: (reply) => surface.progress({ ...reply, text: inDiscordWords(reply.text) }),
    result: (reply) => surface.result({ ...reply, text: inDiscordWords(reply.text) }),
    error: (text, jobId) => surface.error(inDiscordWords(text), jobId),
    privateText: (text) => surface.privateText(inDiscordWords(text)),
  };
}
