/**
 * The Skidio Labs API client, on undici's `request()`: the status call is a GET with a JSON body, which
 * `fetch` refuses (WHATWG forbids a body on GET). Every call takes an AbortSignal and a per-request timeout;
 * transient failures are retried with backoff, honouring `Retry-After`.
 */
import { type Dispatcher, request } from 'undici';
import {
  ApiRefusedError,
  InvalidApiKeyError,
  JobNotFoundError,
  NetworkError,
  RateLimitedError,
  UnreadableResponseError,
  UpstreamUnavailableError,
} from './errors.js';
import { BodyTooLargeError, readCapped } from './http-body.js';
import { looksLikeJobBody, type NormalizedBody, normalizeJobBody, sanitizeReason } from './job-status.js';
import { type Clock, type Logger, silentLogger, systemClock } from './ports.js';
import { backoffDelayMs, defaultRetryPolicy, parseRetryAfterMs, type RetryPolicy } from './retry.js';

/** The models the API documents. */
export const SKIDIO_MODELS = ['flux-schnell', 'flux-dev', 'sd3', 'sdxl', 'sdxl-turbo', 'sd1.5'] as const;
export type SkidioModel = (typeof SKIDIO_MODELS)[number];

/** What a generate call asks for. */
export interface GenerateParams {
  prompt: string;
  model: SkidioModel;
  negativePrompt?: string;
  width?: number;
  height?: number;
  batchSize?: number;
  steps?: number;
  seed?: number;
  guidanceScale?: number;
  /** Called back by the API when an async job completes. */
  webhook?: string;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A normalized status answer, with the job id it was asked for. */
export interface StatusAnswer extends NormalizedBody {
  jobId: string;
}

/** The client's surface. */
export interface SkidioClient {
  /** `GET {base}/txt2img/status` with `{ input: { api_key, job_id } }` as its body. */
  status(jobId: string, apiKey: string, options?: CallOptions): Promise<StatusAnswer>;
  /** `POST {base}/txt2img/async`: returns the new job's id. Only a 429 is retried (a submit is not idempotent). */
  submitAsync(params: GenerateParams, apiKey: string, options?: CallOptions): Promise<StatusAnswer>;
  /** `POST {base}/txt2img`: waits for the image. Only a 429 is retried. */
  generateSync(params: GenerateParams, apiKey: string, options?: CallOptions): Promise<StatusAnswer>;
}

/** What the factory needs. */
export interface SkidioClientOptions {
  baseUrl: string;
  /** undici dispatcher (an Agent, a MockAgent, a Pool); the global one when omitted. */
  transport?: Dispatcher;
  logger?: Logger;
  clock?: Clock;
  /** Per attempt, default 10 s; `generateSync` uses `syncTimeoutMs` (default 120 s). */
  timeoutMs?: number;
  syncTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Largest answer read; status answers carry images inline, so this is generous (default 128 MiB). */
  maxBodyBytes?: number;
}

type RetryScope = 'transient' | 'rate-limit-only';

/** Gateway errors that mean "try again"; a plain 500 is the server's own failure and is not retried. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body: Record<string, unknown>;
  apiKey: string;
  jobId: string | undefined;
  retryScope: RetryScope;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

/** Builds a client. The base URL is required so tests can point it at a loopback simulator. */
export function createSkidioClient(options: SkidioClientOptions): SkidioClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const syncTimeoutMs = options.syncTimeoutMs ?? 120_000;
  const maxBodyBytes = options.maxBodyBytes ?? 128 * 1024 * 1024;

  async function send(call: Call): Promise<StatusAnswer> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await attemptOnce(call);
      if (outcome.kind === 'answer') return outcome.answer;
      const canRetry =
        attempt < policy.maxAttempts &&
        (call.retryScope === 'transient' || outcome.error instanceof RateLimitedError);
      const retryAfterMs = outcome.error instanceof RateLimitedError ? outcome.error.retryAfterMs : undefined;
      const waitMs = retryAfterMs ?? backoffDelayMs(policy, attempt);
      // `maxRetryAfterMs` bounds what the server asks for; our own backoff is bounded by `maxDelayMs`.
      if (!canRetry || (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs)) {
        throw outcome.error;
      }
      logger.warn(
        { path: call.path, jobId: call.jobId, attempt, waitMs, code: outcome.error.code },
        'Skidio API call failed; retrying',
      );
      await clock.sleep(waitMs, call.signal);
    }
  }

  type Outcome =
    | { kind: 'answer'; answer: StatusAnswer }
    | { kind: 'retryable'; error: NetworkError | RateLimitedError | UpstreamUnavailableError };

  async function attemptOnce(call: Call): Promise<Outcome> {
    call.signal?.throwIfAborted();
    const payload = Buffer.from(JSON.stringify(call.body));
    // One controller and one timer per attempt, both released as soon as the attempt ends. AbortSignal.timeout
    // and AbortSignal.any would keep a timer and a composed signal alive for the full timeout of every request,
    // which at thousands of polls a second dominated the process's memory.
    const attempt = new AbortController();
    const timer = setTimeout(() => attempt.abort(new Error('timeout')), call.timeoutMs);
    const onCallerAbort = () => attempt.abort(call.signal?.reason);
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    let response: Dispatcher.ResponseData;
    let bytes: Buffer;
    try {
      response = await request(`${baseUrl}${call.path}`, {
        method: call.method,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.byteLength),
          accept: 'application/json',
        },
        body: payload,
        // undici closes a connection after any GET that carried a body (a body the server may not expect could
        // desync it). This API expects it and we send an exact content-length, so keep the connection: without
        // this, every status poll paid a new TCP connection.
        reset: false,
        signal: attempt.signal,
        ...(options.transport ? { dispatcher: options.transport } : {}),
      });
      bytes = await readCapped(response.body, maxBodyBytes);
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (error instanceof BodyTooLargeError) {
        throw new UnreadableResponseError(`Skidio API answer is larger than ${maxBodyBytes} bytes`, {
          cause: error,
        });
      }
      const reason = attempt.signal.aborted
        ? `timed out after ${call.timeoutMs} ms`
        : describeNetworkError(error);
      return { kind: 'retryable', error: new NetworkError(`could not reach the Skidio API: ${reason}`) };
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onCallerAbort);
    }
    try {
      return { kind: 'answer', answer: interpret(call, response, bytes) };
    } catch (error) {
      if (error instanceof RateLimitedError) return { kind: 'retryable', error };
      if (error instanceof UpstreamUnavailableError && RETRYABLE_STATUSES.has(error.status)) {
        return { kind: 'retryable', error };
      }
      throw error;
    }
  }

  function interpret(call: Call, response: Dispatcher.ResponseData, bytes: Buffer): StatusAnswer {
    const status = response.statusCode;
    const text = bytes.toString('utf8');
    const json = parseJson(text);
    const requestId = headerOf(response.headers, 'x-request-id') ?? headerOf(response.headers, 'request-id');
    // Scrub the whole text before cutting (a key straddling the cut would leave its first characters);
    // built only for errors, so a large successful answer is not scanned twice.
    const excerpt = () => sanitizeReason(scrubKey(text, call.apiKey).slice(0, 400)).slice(0, 200);

    if (status === 401 || status === 403) throw new InvalidApiKeyError(status, excerpt(), requestId);
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after'], clock.now());
      throw new RateLimitedError(status, excerpt(), requestId, retryAfterMs);
    }
    // A non-2xx answer may still carry a job body (RunPod reports some job failures that way).
    if ((status >= 200 && status < 300) || looksLikeJobBody(json)) {
      if (json === undefined) {
        throw new UnreadableResponseError(`Skidio API answered HTTP ${status} with a body that is not JSON`);
      }
      // A worker may echo its input (the key) in an error; the reason is shown in the channel.
      const normalized = scrubStatus(normalizeJobBody(json), call.apiKey);
      if (normalized.problem) {
        logger.warn(
          { path: call.path, jobId: call.jobId, httpStatus: status, shape: normalized.problem },
          'could not fully read a Skidio job body',
        );
      }
      const jobId = call.jobId ?? jobIdOf(json);
      if (jobId === undefined)
        throw new UnreadableResponseError('Skidio API accepted the job but sent no job id');
      return { ...normalized, jobId };
    }
    if (status === 404) throw new JobNotFoundError(status, excerpt(), requestId);
    if (status >= 500) throw new UpstreamUnavailableError(status, excerpt(), requestId);
    throw new ApiRefusedError(status, excerpt(), requestId);
  }

  return {
    status(jobId, apiKey, callOptions = {}) {
      return send({
        method: 'GET',
        path: '/txt2img/status',
        body: { input: { api_key: apiKey, job_id: jobId } },
        apiKey,
        jobId,
        retryScope: 'transient',
        timeoutMs,
        signal: callOptions.signal,
      });
    },
    submitAsync(params, apiKey, callOptions = {}) {
      return send({
        method: 'POST',
        path: '/txt2img/async',
        body: generateBody(params, apiKey),
        apiKey,
        jobId: undefined,
        retryScope: 'rate-limit-only',
        timeoutMs,
        signal: callOptions.signal,
      });
    },
    generateSync(params, apiKey, callOptions = {}) {
      return send({
        method: 'POST',
        path: '/txt2img',
        body: generateBody(params, apiKey),
        apiKey,
        jobId: undefined,
        retryScope: 'rate-limit-only',
        timeoutMs: syncTimeoutMs,
        signal: callOptions.signal,
      });
    },
  };
}

function generateBody(params: GenerateParams, apiKey: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    input: { api_key: apiKey },
    prompt: params.prompt,
    model: params.model,
    negative_prompt: params.negativePrompt,
    width: params.width,
    height: params.height,
    batch_size: params.batchSize,
    steps: params.steps,
    seed: params.seed,
    guidance_scale: params.guidanceScale,
    webhook: params.webhook,
  };
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/**
 * Replaces every occurrence of the API key in `text` (an empty key matches nothing), and the start of a key
 * left at the end of a text already cut short (`…`), as a reason capped at 300 characters may be.
 */
function scrubKey(text: string, apiKey: string): string {
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

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown error';
}
