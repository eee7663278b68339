/**
 * The middle step of Slack's upload: the file's bytes POSTed, raw, to the URL `files.getUploadURLExternal`
 * gave. Slack's upload URL takes raw bytes as well as a multipart form; the Web API client's form goes through
 * `fetch`, `FormData` and a `Blob` copy of the image. The retries follow the Web API client's policy, so an
 * upload is tried as often as the calls around it.
 * https://docs.slack.dev/messaging/working-with-files#uploading_files
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import { request } from 'undici';

/** Slack did not take a file's bytes. The upload URL is a credential for the file: it is never in the message. */
export class SlackUploadError extends Error {
  override readonly name = 'SlackUploadError';
  constructor(
    readonly status: number | undefined,
    options?: ErrorOptions,
  ) {
    super(
      status === undefined
        ? "Slack's upload URL could not be reached"
        : `Slack's upload URL answered HTTP ${status}`,
      options,
    );
  }
}

/** How long Slack may take to answer one file's upload. */
const UPLOAD_TIMEOUT_MS = 60_000;

/** The wait before retry `attempt` (1-based), as p-retry (the Web API client's retrier) computes it. */
function retryDelayMs(retry: webApi.RetryOptions, attempt: number): number {
  const random = retry.randomize ? 1 + Math.random() : 1;
  const delay = (retry.minTimeout ?? 1_000) * random * (retry.factor ?? 2) ** (attempt - 1);
  return Math.min(delay, retry.maxTimeout ?? Number.POSITIVE_INFINITY);
}

async function postOnce(uploadUrl: string, bytes: Uint8Array): Promise<void> {
  let status: number;
  try {
    const response = await request(uploadUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      headersTimeout: UPLOAD_TIMEOUT_MS,
      bodyTimeout: UPLOAD_TIMEOUT_MS,
    });
    status = response.statusCode;
    // The body is a short "OK - <length>"; read it so the connection is kept for the next upload.
    await response.body.dump();
  } catch (error) {
    throw new SlackUploadError(undefined, { cause: error });
  }
  if (status !== 200) throw new SlackUploadError(status);
}

const retryable = (error: SlackUploadError) =>
  error.status === undefined || error.status === 429 || error.status >= 500;

/** Posts `bytes` to `uploadUrl`, retrying failures that may pass; throws `SlackUploadError` when none did. */
export async function postUploadBytes(
  uploadUrl: string,
  bytes: Uint8Array,
  retry: webApi.RetryOptions,
): Promise<void> {
  const retries = retry.retries ?? 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await postOnce(uploadUrl, bytes);
    } catch (error) {
      if (!(error instanceof SlackUploadError) || !retryable(error) || attempt >= retries) throw error;
      await sleep(retryDelayMs(retry, attempt + 1));
    }
  }
}
