import { inspect } from 'node:util';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiRefusedError,
  InvalidApiKeyError,
  JobNotFoundError,
  NetworkError,
  RateLimitedError,
  UnreadableResponseError,
  UpstreamUnavailableError,
} from '../../src/core/errors.js';
import type { Clock, Logger } from '../../src/core/ports.js';
import { createSkidioClient, type SkidioClientOptions } from '../../src/core/skidio-client.js';
import { type SkidioSimulator, startSkidioSimulator } from '../../src/simulator/index.js';
import {
  closedPort,
  type LoopbackHandler,
  type LoopbackServer,
  reply,
  startLoopbackServer,
  streamFiller,
} from './loopback-server.js';

const API_KEY = 'sk-live-7f3c9e1d2b4a6f8e0c1d3b5a';
const KEY_PREFIX = API_KEY.slice(0, 12);
/** A whole second, so HTTP-dates (second resolution) convert to exact delays. */
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function server(handler: LoopbackHandler): Promise<LoopbackServer> {
  const started = await startLoopbackServer(handler);
  cleanups.push(() => started.close());
  return started;
}

/** A server whose answers follow `script` in order (the last one repeats). */
function scripted(...script: LoopbackHandler[]): Promise<LoopbackServer> {
  return server((req, res, index) => {
    const step = script[Math.min(index, script.length - 1)];
    return step?.(req, res, index);
  });
}

const ok =
  (body: object = { id: 'job-1', status: 'IN_PROGRESS' }): LoopbackHandler =>
  (_req, res) =>
    reply(res, 200, body);
const answer =
  (status: number, body: string | object = '', headers: Record<string, string> = {}): LoopbackHandler =>
  (_req, res) =>
    reply(res, status, body, headers);
const hang: LoopbackHandler = () => {};

/** A clock frozen at NOW whose `sleep` records the wait and returns at once (or rejects when aborted). */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => NOW,
    async sleep(ms, signal) {
      waits.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  };
}

/** A logger that keeps every line as JSON text. */
function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push(JSON.stringify({ level, ...fields, msg: message }));
    };
  const logger: Logger & { lines: string[] } = {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

function client(baseUrl: string, options: Partial<SkidioClientOptions> = {}) {
  const transport = new Agent();
  cleanups.push(() => transport.destroy());
  const clock = recordingClock();
  const logger = captureLogger();
  return {
    clock,
    logger,
    api: createSkidioClient({ baseUrl, transport, clock, logger, ...options }),
  };
}

/** Runs `promise`, expects it to reject, and returns the reason. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

/** Every way an error could end up in a log line or a reply. */
function renderings(error: unknown): string {
  return [String(error), (error as Error).message, JSON.stringify(error), inspect(error, { depth: 6 })].join(
    '\n',
  );
}

describe('the status call on the wire', () => {
  it('is a GET whose JSON body arrives intact, with a matching content-length and a JSON content-type', async () => {
    const sut = await server(ok({ id: 'jöb-✓-1', status: 'IN_PROGRESS' }));
    const { api } = client(sut.url);

    const result = await api.status('jöb-✓-1', API_KEY);

    expect(result).toEqual({ jobId: 'jöb-✓-1', status: { state: 'running' } });
    expect(sut.requests).toHaveLength(1);
    const [received] = sut.requests;
    expect(received?.method).toBe('GET');
    expect(received?.path).toBe('/txt2img/status');
    expect(received?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(received?.body.toString('utf8') ?? '')).toEqual({
      input: { api_key: API_KEY, job_id: 'jöb-✓-1' },
    });
    // Byte length, not character length: the job id has multi-byte characters.
    const byteLength = received?.body.byteLength ?? 0;
    expect(Number(received?.headers['content-length'])).toBe(byteLength);
    expect(byteLength).toBeGreaterThan(
      JSON.stringify({ input: { api_key: API_KEY, job_id: 'jöb-✓-1' } }).length,
    );
    expect(received?.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps the base URL path and drops its trailing slashes', async () => {
    const sut = await server(ok());
    const { api } = client(`${sut.url}/api//`);
    await api.status('job-1', API_KEY);
    expect(sut.requests[0]?.path).toBe('/api/txt2img/status');
  });

  it('submitAsync POSTs the documented body (snake_case, no undefined fields) and returns the new job id', async () => {
    const sut = await server(ok({ id: 'new-job-7', status: 'IN_QUEUE' }));
    const { api } = client(sut.url);

    const result = await api.submitAsync(
      { prompt: 'a red fox', model: 'sdxl', negativePrompt: 'blurry', width: 512, batchSize: 2, seed: 7 },
      API_KEY,
    );

    expect(result).toEqual({ jobId: 'new-job-7', status: { state: 'queued' } });
    const received = sut.requests[0];
    expect(received?.method).toBe('POST');
    expect(received?.path).toBe('/txt2img/async');
    expect(Number(received?.headers['content-length'])).toBe(received?.body.byteLength);
    expect(JSON.parse(received?.body.toString('utf8') ?? '')).toEqual({
      input: { api_key: API_KEY },
      prompt: 'a red fox',
      model: 'sdxl',
      negative_prompt: 'blurry',
      width: 512,
      batch_size: 2,
      seed: 7,
    });
  });

  it('generateSync POSTs to /txt2img and reads the images in its answer', async () => {
    const sut = await server(
      ok({ id: 'sync-1', status: 'COMPLETED', output: { image_url: 'https://cdn.example/a.png' } }),
    );
    const { api } = client(sut.url);
    const result = await api.generateSync({ prompt: 'p', model: 'flux-schnell' }, API_KEY);
    expect(sut.requests[0]?.method).toBe('POST');
    expect(sut.requests[0]?.path).toBe('/txt2img');
    expect(result).toEqual({
      jobId: 'sync-1',
      status: { state: 'completed', images: [{ kind: 'url', url: 'https://cdn.example/a.png' }] },
    });
  });
});

describe('retries of the status call', () => {
  it.each([502, 503, 504])(
    'retries HTTP %i with jittered exponential backoff, then succeeds',
    async (status) => {
      const sut = await scripted(answer(status, 'gateway trouble'), answer(status, 'gateway trouble'), ok());
      const { api, clock } = client(sut.url);

      const result = await api.status('job-1', API_KEY);

      expect(result.status).toEqual({ state: 'running' });
      expect(sut.requests).toHaveLength(3);
      // Defaults: 300 ms doubling, jittered down to 50-100%.
      expect(clock.waits).toHaveLength(2);
      expect(clock.waits[0]).toBeGreaterThanOrEqual(150);
      expect(clock.waits[0]).toBeLessThanOrEqual(300);
      expect(clock.waits[1]).toBeGreaterThanOrEqual(300);
      expect(clock.waits[1]).toBeLessThanOrEqual(600);
    },
  );

  it('gives up after maxAttempts with UpstreamUnavailableError', async () => {
    const sut = await scripted(answer(503, 'down'));
    const { api, clock } = client(sut.url, { retry: { maxAttempts: 3 } });

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503 });
    expect(sut.requests).toHaveLength(3);
    expect(clock.waits).toHaveLength(2);
  });

  it('does not retry a plain 500 (the server failed, not the gateway)', async () => {
    const sut = await scripted(answer(500, 'Internal Server Error'), ok());
    const { api, clock } = client(sut.url);

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ status: 500, bodyExcerpt: 'Internal Server Error' });
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('reads a 500 that carries a job body as that job (failed), without retrying', async () => {
    const sut = await scripted(answer(500, { id: 'job-1', status: 'FAILED', error: 'x' }));
    const { api } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    expect(result).toEqual({ jobId: 'job-1', status: { state: 'failed', reason: 'x' } });
    expect(sut.requests).toHaveLength(1);
  });

  it('retries a 503 whose JSON has a status word but no job id (a gateway error, not a job)', async () => {
    const sut = await scripted(answer(503, { status: 'error', message: 'upstream connect error' }), ok());
    const { api } = client(sut.url);
    const result = await api.status('job-1', API_KEY);
    expect(result.status).toEqual({ state: 'running' });
    expect(sut.requests).toHaveLength(2);
  });

  it('honours Retry-After in seconds on a 429', async () => {
    const sut = await scripted(answer(429, 'slow down', { 'retry-after': '1' }), ok());
    const { api, clock } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    expect(result.status.state).toBe('running');
    expect(clock.waits).toEqual([1000]);
    expect(sut.requests).toHaveLength(2);
  });

  it('honours Retry-After as an HTTP-date, measured on the injected clock', async () => {
    const retryAt = new Date(NOW + 3000).toUTCString();
    const sut = await scripted(answer(429, 'slow down', { 'retry-after': retryAt }), ok());
    const { api, clock } = client(sut.url);

    await api.status('job-1', API_KEY);

    expect(clock.waits).toEqual([3000]);
  });

  it('surfaces a Retry-After longer than maxRetryAfterMs as RateLimitedError at once', async () => {
    const sut = await scripted(answer(429, 'quota', { 'retry-after': '120' }), ok());
    const { api, clock } = client(sut.url);

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 120_000 });
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('applies a configured maxRetryAfterMs', async () => {
    const sut = await scripted(answer(429, '', { 'retry-after': '10' }), ok());
    const { api } = client(sut.url, { retry: { maxRetryAfterMs: 5_000 } });
    const error = await rejection(api.status('job-1', API_KEY));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 10_000 });
    expect(sut.requests).toHaveLength(1);
  });

  it('backs off on a 429 without Retry-After, then surfaces RateLimitedError without retryAfterMs', async () => {
    const sut = await scripted(answer(429, 'too many'));
    const { api, clock } = client(sut.url, { retry: { maxAttempts: 2 } });

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
    expect(sut.requests).toHaveLength(2);
    expect(clock.waits).toHaveLength(1);
  });

  it('bounds only Retry-After by maxRetryAfterMs, not its own backoff', async () => {
    const sut = await scripted(answer(503, 'down'), ok());
    const { api, clock } = client(sut.url, { retry: { maxRetryAfterMs: 0 } });
    const result = await api.status('job-1', API_KEY);
    expect(result.status.state).toBe('running');
    expect(clock.waits).toHaveLength(1);
  });

  it('retries a refused connection, then fails with NetworkError naming the cause', async () => {
    const port = await closedPort();
    const { api, clock } = client(`http://127.0.0.1:${port}`);

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_failed' });
    expect((error as Error).message).toContain('ECONNREFUSED');
    // 4 attempts by default: 3 waits in between.
    expect(clock.waits).toHaveLength(3);
  });

  it('times out a server that never answers, per attempt, as NetworkError', async () => {
    const sut = await server(hang);
    const { api, clock } = client(sut.url, { timeoutMs: 100, retry: { maxAttempts: 2 } });

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('timed out after 100 ms');
    expect(sut.requests).toHaveLength(2);
    expect(clock.waits).toHaveLength(1);
  });

  it('times out an answer whose body stalls after the headers', async () => {
    const sut = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"id":');
    });
    const { api } = client(sut.url, { timeoutMs: 100, retry: { maxAttempts: 1 } });
    const error = await rejection(api.status('job-1', API_KEY));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain('timed out after 100 ms');
  });

  it('gives generateSync its own, longer timeout', async () => {
    const slow: LoopbackHandler = (_req, res) => {
      setTimeout(
        () => reply(res, 200, { id: 'sync-1', status: 'COMPLETED', output: 'https://cdn.example/a.png' }),
        250,
      );
    };
    const sut = await server(slow);
    const { api } = client(sut.url, { timeoutMs: 50, syncTimeoutMs: 5_000, retry: { maxAttempts: 1 } });

    await expect(api.generateSync({ prompt: 'p', model: 'sdxl' }, API_KEY)).resolves.toMatchObject({
      jobId: 'sync-1',
      status: { state: 'completed' },
    });
    await expect(api.status('sync-1', API_KEY)).rejects.toBeInstanceOf(NetworkError);
  });

  it('retries an answer cut off in transit (declared length longer than the body)', async () => {
    const sut = await scripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"id":"job-1","sta');
      setImmediate(() => res.destroy());
    }, ok());
    const { api } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    expect(result.status.state).toBe('running');
    expect(sut.requests).toHaveLength(2);
  });
});

describe('cancellation', () => {
  it('rejects with the caller’s abort reason while a request is in flight, and tries no more', async () => {
    const sut = await server(hang);
    const { api, clock } = client(sut.url);
    const controller = new AbortController();
    const reason = new Error('the person cancelled');

    const pending = api.status('job-1', API_KEY, { signal: controller.signal });
    await sut.waitForRequests(1);
    controller.abort(reason);

    await expect(pending).rejects.toBe(reason);
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('rejects with the abort reason during the backoff wait, and tries no more', async () => {
    const sut = await scripted(answer(503, 'down'), ok());
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const waits: number[] = [];
    const clock: Clock = {
      now: () => NOW,
      sleep: (ms, signal) =>
        new Promise((_resolve, reject) => {
          waits.push(ms);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          controller.abort(reason);
        }),
    };
    const { api } = client(sut.url, { clock });

    await expect(api.status('job-1', API_KEY, { signal: controller.signal })).rejects.toBe(reason);
    expect(waits).toHaveLength(1);
    expect(sut.requests).toHaveLength(1);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const sut = await server(ok());
    const { api } = client(sut.url);
    const reason = new Error('too late');

    await expect(api.status('job-1', API_KEY, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(sut.requests).toHaveLength(0);
  });
});

describe('submits are not idempotent', () => {
  it('does not retry submitAsync on a 503: exactly one request', async () => {
    const sut = await scripted(answer(503, 'down'), ok({ id: 'dup', status: 'IN_QUEUE' }));
    const { api, clock } = client(sut.url);

    const error = await rejection(api.submitAsync({ prompt: 'p', model: 'sdxl' }, API_KEY));

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('does not retry submitAsync on a network error', async () => {
    const port = await closedPort();
    const { api, clock } = client(`http://127.0.0.1:${port}`);
    const error = await rejection(api.submitAsync({ prompt: 'p', model: 'sdxl' }, API_KEY));
    expect(error).toBeInstanceOf(NetworkError);
    expect(clock.waits).toEqual([]);
  });

  it('does not retry generateSync on a 502', async () => {
    const sut = await scripted(answer(502, 'bad gateway'), ok());
    const { api } = client(sut.url);
    await expect(api.generateSync({ prompt: 'p', model: 'sd3' }, API_KEY)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(sut.requests).toHaveLength(1);
  });

  it('retries submitAsync on a 429 (the API did not take the job)', async () => {
    const sut = await scripted(
      answer(429, 'slow down', { 'retry-after': '1' }),
      ok({ id: 'job-9', status: 'IN_QUEUE' }),
    );
    const { api, clock } = client(sut.url);

    const result = await api.submitAsync({ prompt: 'p', model: 'sdxl' }, API_KEY);

    expect(result).toEqual({ jobId: 'job-9', status: { state: 'queued' } });
    expect(sut.requests).toHaveLength(2);
    expect(clock.waits).toEqual([1000]);
  });

  it('refuses a submit answer without a job id as unreadable', async () => {
    const sut = await scripted(ok({ status: 'IN_QUEUE' }));
    const { api } = client(sut.url);
    await expect(api.submitAsync({ prompt: 'p', model: 'sdxl' }, API_KEY)).rejects.toBeInstanceOf(
      UnreadableResponseError,
    );
  });
});

describe('typed errors', () => {
  it.each([
    [401, InvalidApiKeyError, 'invalid_api_key'],
    [403, InvalidApiKeyError, 'invalid_api_key'],
    [404, JobNotFoundError, 'job_not_found'],
    [400, ApiRefusedError, 'api_refused'],
    [422, ApiRefusedError, 'api_refused'],
  ] as const)('HTTP %i → %o', async (status, type, code) => {
    const sut = await scripted(answer(status, { error: 'nope' }, { 'x-request-id': 'req-42' }));
    const { api, clock } = client(sut.url);

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ code, status, requestId: 'req-42', name: type.name });
    expect((error as ApiRefusedError).bodyExcerpt).toBe('{"error":"nope"}');
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('reads a 404 `{status:"error"}` without a job id as JobNotFoundError, not as a failed job', async () => {
    const sut = await scripted(answer(404, { status: 'error', error: 'request does not exist' }));
    const { api } = client(sut.url);
    await expect(api.status('job-1', API_KEY)).rejects.toBeInstanceOf(JobNotFoundError);
  });
});

describe('unreadable answers', () => {
  it('does not retry a 200 with truncated JSON: UnreadableResponseError (the watcher polls again later)', async () => {
    const sut = await scripted(
      answer(200, '{"id":"job-1","status":"COMPL', { 'content-type': 'application/json' }),
    );
    const { api, clock } = client(sut.url);

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(UnreadableResponseError);
    expect(error).toMatchObject({ code: 'unreadable_response' });
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('refuses a 200 HTML page as UnreadableResponseError', async () => {
    const sut = await scripted(
      answer(200, '<!doctype html><html><body>Welcome</body></html>', { 'content-type': 'text/html' }),
    );
    const { api } = client(sut.url);
    const error = await rejection(api.status('job-1', API_KEY));
    expect(error).toBeInstanceOf(UnreadableResponseError);
    expect((error as Error).message).toContain('HTTP 200');
  });

  it('retries a 502 HTML error page like any gateway error', async () => {
    const sut = await scripted(
      answer(502, '<html><body><h1>502 Bad Gateway</h1></body></html>', { 'content-type': 'text/html' }),
      ok(),
    );
    const { api } = client(sut.url);
    await expect(api.status('job-1', API_KEY)).resolves.toMatchObject({ status: { state: 'running' } });
    expect(sut.requests).toHaveLength(2);
  });

  it('keeps a short, single-line excerpt of an HTML 500 page', async () => {
    const page = `<html>\n<body>\n\t<h1>Oops</h1>\u0007${'x'.repeat(1000)}</body></html>`;
    const sut = await scripted(answer(500, page, { 'content-type': 'text/html' }));
    const { api } = client(sut.url);

    const error = (await rejection(api.status('job-1', API_KEY))) as UpstreamUnavailableError;

    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.bodyExcerpt.startsWith('‹html› ‹body› ‹h1›Oops‹/h1› xxx')).toBe(true);
    expect(error.bodyExcerpt.length).toBeLessThanOrEqual(200);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting control characters are gone.
    expect(error.bodyExcerpt).not.toMatch(/[\u0000-\u001f]/);
  });

  it.each([
    ['declared by content-length', { 'content-length': String(50 * 1024 * 1024) }],
    ['chunked, with no length', {}],
  ])('cuts off a 50 MB answer at maxBodyBytes (%s)', async (_label, headers) => {
    const sut = await server((_req, res) => {
      streamFiller(res, 50 * 1024 * 1024, { 'content-type': 'application/json', ...headers });
    });
    const { api, clock } = client(sut.url, { maxBodyBytes: 1024 * 1024 });

    const error = await rejection(api.status('job-1', API_KEY));

    expect(error).toBeInstanceOf(UnreadableResponseError);
    expect((error as Error).message).toContain('larger than 1048576 bytes');
    expect(sut.requests).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('answers unknown for a body it cannot read, and logs its shape, never its values', async () => {
    const sut = await scripted(ok({ state: 'weird', token: 'value-that-is-secret-9f8e7d' }));
    const { api, logger } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    expect(result.status).toEqual({ state: 'unknown', rawStatus: 'missing' });
    const warning = logger.lines.find((line) => line.includes('could not fully read'));
    expect(warning).toBeDefined();
    expect(warning).toContain('state:string');
    expect(warning).toContain('token:string');
    expect(logger.lines.join('\n')).not.toContain('value-that-is-secret-9f8e7d');
  });
});

describe('the API key never leaks', () => {
  const echo = (status: number, headers: Record<string, string> = {}): LoopbackHandler =>
    answer(status, `{"error":"Invalid API key ${API_KEY}"}`, headers);

  it.each<[string, LoopbackHandler]>([
    ['401 echoing the key', echo(401)],
    ['403 echoing the key', echo(403)],
    ['404 echoing the key', echo(404)],
    ['400 echoing the key', echo(400)],
    ['429 echoing the key', echo(429, { 'retry-after': '3600' })],
    [
      '500 echoing the request body',
      (req, res) => reply(res, 500, `<pre>${req.body.toString('utf8')}</pre>`),
    ],
    ['200 that is not JSON', (req, res) => reply(res, 200, `debug: ${req.body.toString('utf8')}`)],
    [
      // Whitespace collapses in the excerpt: a key cut in half at the 400th character must not show through.
      '500 with the key straddling the excerpt cut',
      answer(500, `<html>${'\n'.repeat(382)}${API_KEY} and more`),
    ],
  ])('%s', async (_label, handler) => {
    const sut = await scripted(handler);
    const { api, logger } = client(sut.url, { retry: { maxAttempts: 2 } });

    const error = await rejection(api.status('job-1', API_KEY));

    const text = renderings(error);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(KEY_PREFIX);
    expect(logger.lines.join('\n')).not.toContain(KEY_PREFIX);
  });

  it('keeps the key out of a network error', async () => {
    const port = await closedPort();
    const { api } = client(`http://127.0.0.1:${port}`, { retry: { maxAttempts: 1 } });
    const error = await rejection(api.status('job-1', API_KEY));
    expect(renderings(error)).not.toContain(KEY_PREFIX);
  });

  it('scrubs the key from a failed job’s reason (it is shown in the channel)', async () => {
    const sut = await scripted(
      ok({ id: 'job-1', status: 'FAILED', error: `KeyError: {'api_key': '${API_KEY}', 'prompt': 'x'}` }),
    );
    const { api } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    expect(result.status.state).toBe('failed');
    expect(JSON.stringify(result)).not.toContain(KEY_PREFIX);
    expect(result.status).toEqual({
      state: 'failed',
      reason: "KeyError: {'api_key': '••••', 'prompt': 'x'}",
    });
  });

  it('scrubs a key cut in half by the 300-character cap on reasons', async () => {
    const error = `${'x'.repeat(290)} ${API_KEY} trailing text`;
    const sut = await scripted(ok({ id: 'job-1', status: 'FAILED', error }));
    const { api } = client(sut.url);

    const result = await api.status('job-1', API_KEY);

    if (result.status.state !== 'failed') throw new Error('expected failed');
    expect(result.status.reason).not.toContain(API_KEY.slice(0, 6));
    expect(result.status.reason).toBe(`${'x'.repeat(290)} ••••…`);
  });

  it('does not mangle excerpts when the key is empty', async () => {
    const sut = await scripted(answer(400, 'missing key'));
    const { api } = client(sut.url);
    const error = await rejection(api.status('job-1', ''));
    expect((error as ApiRefusedError).bodyExcerpt).toBe('missing key');
  });
});

describe('against the Skidio simulator', () => {
  let sim: SkidioSimulator;
  let simNow = NOW;

  async function startSim(): Promise<SkidioSimulator> {
    simNow = NOW;
    sim = await startSkidioSimulator({ now: () => simNow, queueMs: 1000, runMs: 2000 });
    cleanups.push(() => sim.close());
    return sim;
  }

  it('submits a job and follows it from queued to completed with a real PNG', async () => {
    await startSim();
    const { api } = client(sim.url);

    const submitted = await api.submitAsync(
      { prompt: 'a lighthouse at dusk', model: 'flux-dev' },
      'demo-key',
    );
    expect(submitted.status).toEqual({ state: 'queued' });
    expect(sim.jobs.get(submitted.jobId)?.prompt).toBe('a lighthouse at dusk');

    expect((await api.status(submitted.jobId, 'demo-key')).status).toEqual({ state: 'queued' });
    simNow += 1500;
    expect((await api.status(submitted.jobId, 'demo-key')).status).toEqual({ state: 'running' });
    simNow += 2000;
    const done = await api.status(submitted.jobId, 'demo-key');

    expect(done.jobId).toBe(submitted.jobId);
    if (done.status.state !== 'completed') throw new Error(`expected completed, got ${done.status.state}`);
    expect(done.status.images).toHaveLength(1);
    const [image] = done.status.images;
    if (image?.kind !== 'inline') throw new Error('expected an inline image');
    expect(image.mimeType).toBe('image/png');
    expect(Buffer.from(image.base64, 'base64').subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    const statusCalls = sim.requests.filter((r) => r.path === '/txt2img/status');
    expect(statusCalls.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    expect(statusCalls.every((r) => r.apiKey === 'demo-key' && r.jobId === submitted.jobId)).toBe(true);
  });

  it('reads the simulator’s failure scenarios', async () => {
    await startSim();
    const { api } = client(sim.url);
    sim.completeNow('failjson-1');
    sim.completeNow('outputerror-1');
    sim.completeNow('expire-1');
    expect((await api.status('failjson-1', 'demo-key')).status).toEqual({
      state: 'failed',
      reason: 'CUDA out of memory',
    });
    expect((await api.status('outputerror-1', 'demo-key')).status).toEqual({
      state: 'failed',
      reason: 'model crashed',
    });
    expect((await api.status('expire-1', 'demo-key')).status).toEqual({ state: 'expired' });
  });

  it('maps the simulator’s 401 and 404 to typed errors', async () => {
    await startSim();
    const { api } = client(sim.url);
    await expect(api.status('demo-1', 'wrong-key')).rejects.toBeInstanceOf(InvalidApiKeyError);
    await expect(api.status('no-such-job', 'demo-key')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('retries injected 503s and a response truncated in transit', async () => {
    await startSim();
    const { api, clock } = client(sim.url);
    sim.failNext('status', { status: 503, body: { error: 'busy' } });
    sim.failNext('status', {
      status: 200,
      body: '{"id":"demo-1","status":"IN_',
      headers: { 'content-length': '400' },
    });

    const result = await api.status('demo-1', 'demo-key');

    expect(result.status).toEqual({ state: 'queued' });
    expect(sim.requests.filter((r) => r.path === '/txt2img/status')).toHaveLength(3);
    expect(clock.waits).toHaveLength(2);
  });

  it('does not retry an injected 503 on submit', async () => {
    await startSim();
    const { api } = client(sim.url);
    sim.failNext('async', { status: 503, body: { error: 'busy' } });
    await expect(api.submitAsync({ prompt: 'p', model: 'sdxl' }, 'demo-key')).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(sim.requests.filter((r) => r.path === '/txt2img/async')).toHaveLength(1);
    expect(sim.jobs.size).toBe(0);
  });
});
