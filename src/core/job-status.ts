/**
 * Tolerant normalization of a Skidio job body into one union. The API's response bodies are undocumented;
 * its `{ input: {...} }` envelope is RunPod serverless's, so bodies are read RunPod-style
 * (`{ id, status, output?, error? }`), accepting the many ways workers put images in `output`: the known fields
 * first, then any value in `output` whose content is an image (a bounded search).
 */
import { sniffImageType } from './image-type.js';

/** Where an image is: bytes carried in the body, or a URL to download. */
export type ImageSource =
  | { kind: 'inline'; base64: string; mimeType?: string }
  | { kind: 'url'; url: string };

/** A job's status, normalized. */
export type JobStatus =
  | { state: 'queued' }
  | { state: 'running' }
  | { state: 'completed'; images: ImageSource[] }
  | { state: 'failed'; reason: string }
  | { state: 'cancelled' }
  | { state: 'expired' }
  | { state: 'unknown'; rawStatus: string };

/** The states after which a job never changes. */
export type FinalState = 'completed' | 'failed' | 'cancelled' | 'expired';

/**
 * How long the job waited and ran, as RunPod-style bodies report it (`delayTime`, `executionTime`, in ms): so
 * far while it runs, in all once it ends. Either may be missing; the watcher learns job durations from them.
 */
export interface JobTiming {
  queuedMs?: number;
  ranMs?: number;
}

/** The result of reading a body: the status, and what could not be understood (a shape, never values). */
export interface NormalizedBody {
  status: JobStatus;
  /** Set when the body carries a readable `delayTime` or `executionTime`. */
  timing?: JobTiming;
  /** Set when the body was not understood; describes its keys and types only. */
  problem?: string;
}

const REASON_MAX_CHARS = 300;

const STATUS_ALIASES: Record<string, JobStatus['state']> = {
  IN_QUEUE: 'queued',
  QUEUED: 'queued',
  PENDING: 'queued',
  WAITING: 'queued',
  SUBMITTED: 'queued',
  STARTING: 'queued',
  IN_PROGRESS: 'running',
  RUNNING: 'running',
  PROCESSING: 'running',
  STARTED: 'running',
  GENERATING: 'running',
  COMPLETED: 'completed',
  COMPLETE: 'completed',
  SUCCEEDED: 'completed',
  SUCCESS: 'completed',
  DONE: 'completed',
  FINISHED: 'completed',
  FAILED: 'failed',
  FAILURE: 'failed',
  ERROR: 'failed',
  ERRORED: 'failed',
  CANCELLED: 'cancelled',
  CANCELED: 'cancelled',
  TIMED_OUT: 'expired',
  TIMEOUT: 'expired',
  EXPIRED: 'expired',
};

/** Maps a raw status string (any case, `-` or space separated) to a state, or undefined. */
export function stateOf(rawStatus: string): JobStatus['state'] | undefined {
  const canonical = rawStatus
    .trim()
    .toUpperCase()
    .replace(/[\s-]+/g, '_');
  return STATUS_ALIASES[canonical];
}

/** True for states after which the job never changes. */
export function isFinal(status: JobStatus): status is Extract<JobStatus, { state: FinalState }> {
  return ['completed', 'failed', 'cancelled', 'expired'].includes(status.state);
}

/**
 * True when `body` looks like a job body at all (used to read non-2xx answers that still carry one): a known
 * status and a job id. Without the id, a gateway's `503 {"status":"error"}` would read as a failed job (final)
 * instead of an outage to retry.
 */
export function looksLikeJobBody(body: unknown): boolean {
  return (
    isRecord(body) &&
    typeof body.status === 'string' &&
    stateOf(body.status) !== undefined &&
    [body.id, body.job_id, body.jobId].some((id) => typeof id === 'string' && id !== '')
  );
}

/** Reads a status body of any known shape. */
export function normalizeJobBody(body: unknown): NormalizedBody {
  if (!isRecord(body)) {
    return {
      status: { state: 'unknown', rawStatus: typeOf(body) },
      problem: `body is ${describeShape(body)}`,
    };
  }
  const timing = timingOf(body);
  const normalized = normalizeRecord(body);
  return timing ? { ...normalized, timing } : normalized;
}

/** Longest time a body may claim (a day): anything beyond is a unit mix-up, not a duration to learn. */
const MAX_TIMING_MS = 86_400_000;

/** `delayTime` and `executionTime` when they read as milliseconds (a number, or digits in a string). */
function timingOf(body: Record<string, unknown>): JobTiming | undefined {
  const millis = (value: unknown): number | undefined => {
    const number = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
    return typeof number === 'number' && Number.isFinite(number) && number >= 0 && number <= MAX_TIMING_MS
      ? Math.round(number)
      : undefined;
  };
  const queuedMs = millis(body.delayTime);
  const ranMs = millis(body.executionTime);
  if (queuedMs === undefined && ranMs === undefined) return undefined;
  return {
    ...(queuedMs === undefined ? {} : { queuedMs }),
    ...(ranMs === undefined ? {} : { ranMs }),
  };
}

function normalizeRecord(body: Record<string, unknown>): NormalizedBody {
  const rawStatus = body.status;
  const state = typeof rawStatus === 'string' ? stateOf(rawStatus) : inferState(body);
  const images = extractImages(body.output);

  switch (state) {
    case 'queued':
    case 'running':
    case 'cancelled':
    case 'expired':
      return { status: { state } };
    case 'failed':
      return {
        status: { state: 'failed', reason: reasonFrom(body.error ?? body.output) ?? 'no reason given' },
      };
    case 'completed': {
      const outputError = outputErrorOf(body.output);
      if (outputError !== undefined) return { status: { state: 'failed', reason: outputError } };
      if (images.length === 0) {
        const reason = reasonFrom(body.error ?? (isRecord(body.output) ? body.output.error : undefined));
        return {
          status: { state: 'failed', reason: reason ?? 'the job completed but returned no image' },
          problem: `completed job without a recognizable image: output is ${describeShape(body.output)}`,
        };
      }
      return { status: { state: 'completed', images } };
    }
    default:
      return {
        status: { state: 'unknown', rawStatus: rawStatus === undefined ? 'missing' : String(rawStatus) },
        problem: `unrecognized status in ${describeShape(body)}`,
      };
  }
}

/** When `status` is missing or not a string (e.g. numeric), infer the state from what the body carries. */
function inferState(body: Record<string, unknown>): JobStatus['state'] | undefined {
  if (extractImages(body.output).length > 0) return 'completed';
  if (body.error !== undefined && body.error !== null && body.error !== '') return 'failed';
  return undefined;
}

/** `output.status === 'error'` (or failed) marks a completed job as failed. */
function outputErrorOf(output: unknown): string | undefined {
  if (!isRecord(output) || typeof output.status !== 'string') return undefined;
  if (stateOf(output.status) !== 'failed') return undefined;
  return reasonFrom(output.error ?? output.message ?? output.detail) ?? 'the job reported an error';
}

/**
 * Finds every image in a worker's output, whatever shape it chose: the fields workers are known to use
 * first; when none holds an image, any value whose content is one (see `findImagesByContent`).
 */
export function extractImages(output: unknown): ImageSource[] {
  const known = imagesInKnownFields(output, 0);
  return known.length > 0 ? known : findImagesByContent(output);
}

function imagesInKnownFields(output: unknown, depth: number): ImageSource[] {
  if (depth > 4 || output === null || output === undefined) return [];
  if (typeof output === 'string') {
    const image = imageFromString(output);
    return image ? [image] : [];
  }
  if (Array.isArray(output)) return output.flatMap((item) => imagesInKnownFields(item, depth + 1));
  if (!isRecord(output)) return [];
  for (const field of [
    'images',
    'image',
    'image_url',
    'image_urls',
    'url',
    'urls',
    'data',
    'b64_json',
    'base64',
  ]) {
    const found = imagesInKnownFields(output[field], depth + 1);
    if (found.length > 0) return found;
  }
  for (const field of ['result', 'output']) {
    const found = imagesInKnownFields(output[field], depth + 1);
    if (found.length > 0) return found;
  }
  return [];
}

/** How far the search by content goes: levels below `output`, and values looked at in all. */
const CONTENT_SEARCH_MAX_DEPTH = 6;
const CONTENT_SEARCH_MAX_VALUES = 1_000;
/** Fields whose text is never an image, even when it holds a URL: messages, logs, the echoed input. */
const NEVER_IMAGE_FIELDS =
  /error|message|detail|reason|status|log|trace|warning|webhook|callback|input|prompt/i;

/**
 * Any value in `output` whose content is an image, in the order found: a data URI of an image type, a lone
 * http(s) URL, or base64 that decodes to PNG, JPEG, WebP or GIF magic bytes. Only the first bytes are decoded,
 * and the search stops after a fixed depth and number of values, so a large or deep output costs little.
 * Words, sentences and status strings never qualify: they are not URLs and do not decode to an image header.
 */
export function findImagesByContent(output: unknown): ImageSource[] {
  const found: ImageSource[] = [];
  let looked = 0;
  const visit = (value: unknown, depth: number): void => {
    if (depth > CONTENT_SEARCH_MAX_DEPTH || looked >= CONTENT_SEARCH_MAX_VALUES) return;
    looked++;
    if (typeof value === 'string') {
      const image = imageByContent(value);
      if (image) found.push(image);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (isRecord(value)) {
      for (const [field, item] of Object.entries(value)) {
        if (!NEVER_IMAGE_FIELDS.test(field)) visit(item, depth + 1);
      }
    }
  };
  visit(output, 0);
  return found;
}

function imageByContent(value: string): ImageSource | undefined {
  const text = value.trim();
  if (/^https?:\/\/\S+$/i.test(text)) return URL.canParse(text) ? { kind: 'url', url: text } : undefined;
  const dataUri = DATA_URI.exec(text);
  const payload = (dataUri ? text.slice(dataUri[0].length) : text).replace(/\r?\n/g, '');
  if (payload.length < 64 || !BASE64.test(payload)) return undefined;
  // 24 base64 characters are 18 bytes: enough for every magic number (WebP's is at bytes 8 to 11).
  const type = sniffImageType(Buffer.from(payload.slice(0, 24), 'base64'));
  if (!type) return undefined;
  return { kind: 'inline', base64: payload, mimeType: type.mimeType };
}

const DATA_URI = /^data:(image\/[a-z0-9.+-]+)?(;[a-z0-9=.+-]+)*;base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function imageFromString(value: string): ImageSource | undefined {
  const text = value.trim();
  const dataUri = DATA_URI.exec(text);
  if (dataUri) {
    const base64 = text.slice(dataUri[0].length);
    return dataUri[1]
      ? { kind: 'inline', base64, mimeType: dataUri[1].toLowerCase() }
      : { kind: 'inline', base64 };
  }
  if (/^https?:\/\//i.test(text)) return { kind: 'url', url: text };
  // Short strings are status words or messages, not images; a PNG header alone is ~60 base64 characters.
  // Only line breaks may split base64 (MIME wraps it): a long sentence of plain words is not an image.
  const unwrapped = text.replace(/\r?\n/g, '');
  if (unwrapped.length >= 64 && BASE64.test(unwrapped)) {
    return { kind: 'inline', base64: unwrapped };
  }
  return undefined;
}

/** Turns an `error` of any shape (string, JSON in a string, array, object) into a short, clean sentence. */
export function reasonFrom(error: unknown, depth = 0): string | undefined {
  if (error === undefined || error === null || depth > 3) return undefined;
  if (typeof error === 'string') {
    const text = error.trim();
    if (/^[[{"]/.test(text)) {
      try {
        return reasonFrom(JSON.parse(text), depth + 1) ?? sanitizeReason(text);
      } catch {
        // Not JSON after all: use it as text.
      }
    }
    return text === '' ? undefined : sanitizeReason(text);
  }
  if (Array.isArray(error)) {
    const parts = error.map((item) => reasonFrom(item, depth + 1)).filter((part) => part !== undefined);
    return parts.length > 0 ? sanitizeReason(parts.join('; ')) : undefined;
  }
  if (isRecord(error)) {
    for (const field of ['message', 'error', 'detail', 'reason', 'error_message']) {
      const found = reasonFrom(error[field], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return sanitizeReason(String(error));
}

/** Strips control characters and markup-breaking runs, collapses whitespace, caps the length. */
export function sanitizeReason(text: string): string {
  const clean = text
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/`/g, "'")
    // Angle brackets are how Slack (`<!channel>`) and Discord (`<@&role>`) spell mentions: text from the API
    // must not be able to ping anyone, so they become look-alikes.
    .replace(/</g, '‹')
    .replace(/>/g, '›')
    .trim();
  if (clean.length <= REASON_MAX_CHARS) return clean;
  // Do not cut an emoji (a surrogate pair) in half: a lone surrogate reaches the chat as "�".
  return `${clean.slice(0, REASON_MAX_CHARS - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/** Describes a value's shape (keys and types, two levels deep), never its values: safe to log. */
export function describeShape(value: unknown, depth = 0): string {
  if (Array.isArray(value)) {
    return depth >= 2
      ? 'array'
      : `[${value.length > 0 ? describeShape(value[0], depth + 1) : ''}${value.length > 1 ? ',…' : ''}]`;
  }
  if (isRecord(value)) {
    if (depth >= 2) return 'object';
    const keys = Object.keys(value).slice(0, 12);
    return `{${keys.map((key) => `${key}:${describeShape(value[key], depth + 1)}`).join(',')}}`;
  }
  return typeOf(value);
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
