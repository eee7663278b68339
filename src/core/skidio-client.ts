/**
 * The Skidio Labs API client, on undici's `request()`: the status call is a GET with a JSON body, which
 * `fetch` refuses (WHATWG forbids a body on GET). Every call takes an AbortSignal and a per-request timeout;
 * transient failures are retried with backoff, honouring `Retry-After`.
 */
import { type Dispatcher, request } from 'undici';
import {
  NetworkError,
  RateLimitedError,
  UnreadableResponseError,
  UpstreamUnavailableError,
} from './errors.js';
import { BodyTooLargeError, readCapped } from './http-body.js';
import { type Clock, type Logger, silentLogger, systemClock } from './ports.js';
import { backoffDelayMs, defaultRetryPolicy, type RetryPolicy } from './retry.js';
import { interpretAnswer, type StatusAnswer } from './skidio-answers.js';

export type { StatusAnswer } from './skidio-answers.js';

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
      return {
        kind: 'answer',
        answer: interpretAnswer(
          { statusCode: response.statusCode, headers: response.headers, bytes },
          { path: call.path, jobId: call.jobId, apiKey: call.apiKey, now: clock.now(), logger },
        ),
      };
    } catch (error) {
      if (error instanceof RateLimitedError) return { kind: 'retryable', error };
      if (error instanceof UpstreamUnavailableError && RETRYABLE_STATUSES.has(error.status)) {
        return { kind: 'retryable', error };
      }
      throw error;
    }
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

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'unknown error';
}
