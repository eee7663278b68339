/**
 * A finished job's images on Slack: all of them in ONE `files.uploadV2` call (one message, every image, the
 * line naming the job and the requester as its comment), and the texts that go with it. `files.upload` is
 * retired. https://docs.slack.dev/reference/methods/files.completeUploadExternal
 */
import type { webApi } from '@slack/bolt';
import type { ResultReply } from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import { withChannelAccess } from './channel-access.js';

/** Uploads every image of `reply` into `channelId`, joining a public channel first if Slack asks for it. */
export async function uploadJobImages(
  client: webApi.WebClient,
  channelId: string,
  reply: ResultReply,
  log: Logger,
): Promise<void> {
  const { files } = reply.images;
  await withChannelAccess(client, channelId, log, () =>
    client.filesUploadV2({
      channel_id: channelId,
      initial_comment: reply.text,
      file_uploads: files.map((file, index) => ({
        file: file.bytes,
        filename: file.name,
        alt_text: `Image ${index + 1} of ${files.length} of Skidio job ${reply.jobId}`,
      })),
    }),
  );
  log.info({ jobId: reply.jobId, channel: channelId, images: files.length }, 'job images uploaded to Slack');
}

/** What the progress message says once the images are posted. */
export function doneText(jobId: string, imageCount: number): string {
  return `✅ Job \`${jobId}\` is done: ${imageCount === 1 ? 'the image is' : `${imageCount} images are`} posted below.`;
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
