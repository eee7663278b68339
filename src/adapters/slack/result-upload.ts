/**
 * A finished job's images on Slack, in one message: each image announced with `files.getUploadURLExternal`,
 * its bytes posted raw to the URL Slack gave (upload-bytes.ts), then ONE `files.completeUploadExternal` shares
 * them all in the channel with the line naming the job and the requester as its comment. `files.upload` is
 * retired. https://docs.slack.dev/reference/methods/files.completeUploadExternal
 */
import type { webApi } from '@slack/bolt';
import type { ResultReply } from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import { withChannelAccess } from './channel-access.js';
import { postUploadBytes } from './upload-bytes.js';

/**
 * Uploads every image of `reply` into `channelId`, joining a public channel first if Slack asks for it.
 * Resolves to the files' ids (what Delete removes).
 */
export async function uploadJobImages(
  client: webApi.WebClient,
  channelId: string,
  reply: ResultReply,
  log: Logger,
  retry: webApi.RetryOptions,
): Promise<string[]> {
  const { files } = reply.images;
  const uploaded: { id: string; title: string }[] = [];
  for (const [index, file] of files.entries()) {
    const announced = await client.files.getUploadURLExternal({
      filename: file.name,
      length: file.bytes.length,
      alt_text: `Image ${index + 1} of ${files.length} of Skidio job ${reply.jobId}`,
    });
    if (!announced.upload_url || !announced.file_id) throw new Error('Slack gave no upload URL for an image');
    await postUploadBytes(announced.upload_url, file.bytes, retry);
    uploaded.push({ id: announced.file_id, title: file.name });
  }
  const [first, ...rest] = uploaded;
  if (!first) return [];
  // Only the share needs the channel: joining and trying again repeats it, not the uploads.
  await withChannelAccess(client, channelId, log, () =>
    client.files.completeUploadExternal({
      files: [first, ...rest],
      channel_id: channelId,
      initial_comment: reply.text,
    }),
  );
  log.info({ jobId: reply.jobId, channel: channelId, images: files.length }, 'job images uploaded to Slack');
  return uploaded.map((file) => file.id);
}

/** What the progress message says once the images are posted. */
export function doneText(jobId: string, imageCount: number): string {
  return `✅ Job \`${jobId}\` is done: ${imageCount === 1 ? 'the image is' : `${imageCount} images are`} posted below.`;
}

/** The message with a result's buttons when there was no progress message: it comes after the images. */
export function doneAboveText(jobId: string, imageCount: number): string {
  return `✅ Job \`${jobId}\` is done: ${imageCount === 1 ? 'the image is' : `${imageCount} images are`} above.`;
}

/** What the requester hears in the channel when a private result went to their DM. */
export function sentByDirectMessageText(jobId: string, imageCount: number): string {
  return `📬 Job \`${jobId}\` is done: I sent you ${imageCount === 1 ? 'the image' : `its ${imageCount} images`} in a direct message.`;
}

/** Said where the images would have been when Slack would not take them; links any the API had as URLs. */
export function uploadFailedText(reply: ResultReply): string {
  const links = reply.images.files
    .map((file, index) => (file.sourceUrl ? `Image ${index + 1}: ${file.sourceUrl}` : undefined))
    .filter((line): line is string => line !== undefined);
  // The watcher tries the upload again a few times; the person only needs to act if none of those works.
  const head = `⚠️ Job \`${reply.jobId}\` is done, but I could not upload its images to Slack just now. I'll try again shortly; if they don't appear, ask again with \`/skidio status ${reply.jobId}\`.`;
  return links.length === 0 ? head : `${head}\n${links.join('\n')}`;
}
