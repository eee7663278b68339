/**
 * Posts a finished job: the text and the first batch of images in one message, then the other batches.
 * A 40005 Payload Too Large is answered once by re-encoding smaller; images that still cannot go up are
 * named in the text with their link. Only a failure of the very first message reaches the caller (so it can
 * try another route); later failures are logged and, where possible, told in one more message.
 */
import type { ImageFile } from '../../core/images.js';
import type { Logger } from '../../core/ports.js';
import { describeDiscordError, isPayloadTooLarge } from './discord-errors.js';
import type { OutgoingMessage } from './messenger.js';
import { type PlannedUpload, planUploads, smallerLimits, type UploadLimits } from './uploads.js';

/** Discord's limit on message content (https://discord.com/developers/docs/resources/message#create-message). */
export const MAX_CONTENT_CHARS = 2000;

/** Where a result goes: its first message, and any further ones. */
export interface ResultPoster {
  first(message: OutgoingMessage): Promise<void>;
  next(message: OutgoingMessage): Promise<void>;
}

/** What to post. */
export interface ResultToPost {
  jobId: string;
  text: string;
  files: readonly ImageFile[];
  limits: UploadLimits;
}

/** Splits text into message-sized chunks at line breaks, so no line (a link) is ever cut off. */
export function splitContent(text: string, max = MAX_CONTENT_CHARS): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const pieces = line.length > max ? (line.match(new RegExp(`[^]{1,${max}}`, 'g')) ?? []) : [line];
    for (const piece of pieces) {
      if (current !== '' && current.length + 1 + piece.length > max) {
        chunks.push(current);
        current = piece;
      } else {
        current = current === '' ? piece : `${current}\n${piece}`;
      }
    }
  }
  if (current !== '' || chunks.length === 0) chunks.push(current);
  return chunks;
}

function notUploadedNote(file: ImageFile): string {
  return file.sourceUrl
    ? `\`${file.name}\` could not be uploaded to Discord; the original: ${file.sourceUrl}`
    : `\`${file.name}\` could not be uploaded to Discord, and the API gave no link to it.`;
}

/** Posts the result; rejects only when its first message could not be posted at all. */
export async function postResult(poster: ResultPoster, result: ResultToPost, logger: Logger): Promise<void> {
  const log = logger.child({ jobId: result.jobId });
  const plan = await planUploads(result.files, result.limits);
  const [head = '', ...moreText] = splitContent([result.text, ...plan.notes].join('\n'));
  const [firstBatch = [], ...moreBatches] = plan.batches;
  const total = plan.batches.reduce((count, batch) => count + batch.length, 0);

  // The first message: its failure (other than too large, handled inside) is the caller's to route.
  await sendFitting(poster.first, poster.next, head, firstBatch, result.limits, log);

  let posted = firstBatch.length;
  const pending: PlannedUpload[] = moreBatches.flat();
  try {
    for (const chunk of moreText) await poster.next({ content: chunk });
    for (const batch of moreBatches) {
      const range = `${posted + 1}–${posted + batch.length} of ${total}`;
      await sendFitting(
        poster.next,
        poster.next,
        `Job \`${result.jobId}\`, images ${range}.`,
        batch,
        result.limits,
        log,
      );
      posted += batch.length;
      pending.splice(0, batch.length);
    }
  } catch (error) {
    log.error(
      { ...describeDiscordError(error), unposted: pending.length },
      'could not post the rest of a result',
    );
    if (pending.length === 0) return;
    const lines = [
      `Some images of job \`${result.jobId}\` could not be posted:`,
      ...pending.map((u) => notUploadedNote(u.source)),
    ];
    for (const chunk of splitContent(lines.join('\n'))) {
      await poster.next({ content: chunk }).catch((noteError: unknown) => {
        log.error(describeDiscordError(noteError), 'could not say which images are missing');
      });
    }
  }
}

/**
 * Sends one message with its files; on 40005 re-encodes them to half the size refused and sends again (extra
 * batches this creates go through `next`). If Discord refuses that too, the message goes without the files,
 * each named with its link. Rejects only when this message could not be posted at all.
 */
async function sendFitting(
  send: (message: OutgoingMessage) => Promise<void>,
  next: (message: OutgoingMessage) => Promise<void>,
  content: string,
  files: readonly PlannedUpload[],
  limits: UploadLimits,
  log: Logger,
): Promise<void> {
  try {
    await send({ content, files });
    return;
  } catch (error) {
    if (!isPayloadTooLarge(error) || files.length === 0) throw error;
    log.warn(
      { ...describeDiscordError(error), files: files.length },
      'Discord refused the upload as too large; re-encoding smaller',
    );
  }
  const sources = files.map((file) => file.source);
  const smaller = await planUploads(sources, smallerLimits(limits, files));
  const [firstBatch = [], ...rest] = smaller.batches;
  const [head = content, ...extra] = splitContent([content, ...smaller.notes].join('\n'));
  try {
    await send({ content: head, files: firstBatch });
  } catch (error) {
    if (!isPayloadTooLarge(error)) throw error;
    log.error(
      describeDiscordError(error),
      'Discord refused the re-encoded upload too; posting links instead',
    );
    const [linksHead = content, ...linksMore] = splitContent(
      [content, ...sources.map(notUploadedNote)].join('\n'),
    );
    await send({ content: linksHead });
    await sendRest(
      next,
      linksMore.map((chunk) => ({ content: chunk })),
      log,
    );
    return;
  }
  await sendRest(
    next,
    [
      ...extra.map((chunk) => ({ content: chunk })),
      ...rest.map((batch) => ({ content: 'More images:', files: batch })),
    ],
    log,
  );
}

/** Sends messages after a first one went out; failures are logged, and files that could not go are named. */
async function sendRest(
  next: (message: OutgoingMessage) => Promise<void>,
  messages: ReadonlyArray<{ content: string; files?: readonly PlannedUpload[] }>,
  log: Logger,
): Promise<void> {
  for (const message of messages) {
    try {
      await next(message);
    } catch (error) {
      log.error(describeDiscordError(error), 'could not post part of a result');
      const files = message.files ?? [];
      if (files.length === 0) continue;
      for (const chunk of splitContent(files.map((file) => notUploadedNote(file.source)).join('\n'))) {
        await next({ content: chunk }).catch(() => undefined);
      }
    }
  }
}
