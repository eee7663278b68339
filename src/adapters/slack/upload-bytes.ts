/**
 * The middle step of Slack's upload: the file's bytes POSTed, raw, to the URL `files.getUploadURLExternal`
 * gave. Slack's upload URL takes raw bytes as well as a multipart form; the Web API client's form goes through
 * `fetch`, `FormData` and a `Blob` copy of the image. An upload is tried as often as the Web API calls around
 * it, with the core's backoff between tries.
 * https://docs.slack.dev/messaging/working-with-files#uploading_files
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import { request } from 'undici';
import { backoffDelayMs, type RetryPolicy } from '../../core/retry.js';

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

/** The Web API client's retry options as the core's backoff reads them (doubling from `minTimeout`). */
function backoffPolicy(retry: webApi.RetryOptions): RetryPolicy {
  return {
    maxAttempts: (retry.retries ?? 0) + 1,
    baseDelayMs: retry.minTimeout ?? 1_000,
    maxDelayMs: retry.maxTimeout ?? Number.POSITIVE_INFINITY,
    maxRetryAfterMs: 0,
  };
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
  const policy = backoffPolicy(retry);
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOnce(uploadUrl, bytes);
    } catch (error) {
      if (!(error instanceof SlackUploadError) || !retryable(error) || attempt >= policy.maxAttempts)
        throw error;
      await sleep(backoffDelayMs(policy, attempt));
    }
  }
}
