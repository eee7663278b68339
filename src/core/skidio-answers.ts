/**
 * Reading one Skidio API answer: typed errors by HTTP status, a job body (even on a non-2xx answer, as RunPod
 * reports some failures) normalized and scrubbed of the caller's API key, since reasons are shown in channels.
 */
import type { Dispatcher } from 'undici';
import {
  ApiRefusedError,
  InvalidApiKeyError,
  JobNotFoundError,
  RateLimitedError,
  UnreadableResponseError,
  UpstreamUnavailableError,
} from './errors.js';
import { looksLikeJobBody, type NormalizedBody, normalizeJobBody, sanitizeReason } from './job-status.js';
import type { Logger } from './ports.js';
import { parseRetryAfterMs } from './retry.js';

/** A normalized job body, with the job id it belongs to. */
export interface StatusAnswer extends NormalizedBody {
  jobId: string;
}

/** The parts of an HTTP answer the reader needs. */
export interface RawAnswer {
  statusCode: number;
  headers: Dispatcher.ResponseData['headers'];
  bytes: Buffer;
}

/** What the call was, for messages, scrubbing and logs. */
export interface AnswerContext {
  path: string;
  jobId: string | undefined;
  apiKey: string;
  now: number;
  logger: Logger;
}

/** Turns an answer into a `StatusAnswer`, or throws the typed error its status means. */
export function interpretAnswer(answer: RawAnswer, context: AnswerContext): StatusAnswer {
  const { statusCode: status, headers } = answer;
  const text = answer.bytes.toString('utf8');
  const json = parseJson(text);
  const requestId = headerOf(headers, 'x-request-id') ?? headerOf(headers, 'request-id');
  // Scrub the whole text before cutting (a key straddling the cut would leave its first characters);
  // built only for errors, so a large successful answer is not scanned twice.
  const excerpt = () => sanitizeReason(scrubKey(text, context.apiKey).slice(0, 400)).slice(0, 200);

  if (status === 401 || status === 403) throw new InvalidApiKeyError(status, excerpt(), requestId);
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(headers['retry-after'], context.now);
    throw new RateLimitedError(status, excerpt(), requestId, retryAfterMs);
  }
  if ((status >= 200 && status < 300) || looksLikeJobBody(json)) {
    if (json === undefined) {
      throw new UnreadableResponseError(`Skidio API answered HTTP ${status} with a body that is not JSON`);
    }
    // A worker may echo its input (the key) in an error; the reason is shown in the channel.
    const normalized = scrubStatus(normalizeJobBody(json), context.apiKey);
    if (normalized.problem) {
      context.logger.warn(
        { path: context.path, jobId: context.jobId, httpStatus: status, shape: normalized.problem },
        'could not fully read a Skidio job body',
      );
    }
    const jobId = context.jobId ?? jobIdOf(json);
    if (jobId === undefined)
      throw new UnreadableResponseError('Skidio API accepted the job but sent no job id');
    return { ...normalized, jobId };
  }
  if (status === 404) throw new JobNotFoundError(status, excerpt(), requestId);
  if (status >= 500) throw new UpstreamUnavailableError(status, excerpt(), requestId);
  throw new ApiRefusedError(status, excerpt(), requestId);
}

/**
 * Replaces every occurrence of the API key in `text` (an empty key matches nothing), and the start of a key
 * left at the end of a text already cut short (`…`), as a reason capped at 300 characters may be.
 */
export function scrubKey(text: string, apiKey: string): string {
  if (apiKey === '') return text;
  const scrubbed = text.replaceAll(apiKey, '••••');
  if (!scrubbed.endsWith('…')) return scrubbed;
  const kept = scrubbed.slice(0, -1);
  for (let length = Math.min(apiKey.length - 1, kept.length); length >= 4; length--) {
    if (kept.endsWith(apiKey.slice(0, length))) return `${kept.slice(0, -length)}••••…`;
  }
  return scrubbed;
}

/** Scrubs the key from what a person may be shown: a failure reason, an unrecognized status. */
function scrubStatus(normalized: NormalizedBody, apiKey: string): NormalizedBody {
  const { status } = normalized;
  if (status.state === 'failed') {
    return { ...normalized, status: { ...status, reason: scrubKey(status.reason, apiKey) } };
  }
  if (status.state === 'unknown') {
    return { ...normalized, status: { ...status, rawStatus: scrubKey(status.rawStatus, apiKey) } };
  }
  return normalized;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function jobIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as Record<string, unknown>;
  const id = record.id ?? record.job_id ?? record.jobId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function headerOf(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
