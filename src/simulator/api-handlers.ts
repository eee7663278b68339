/**
 * The Skidio API routes: submit (async and sync), status, and image downloads. Error bodies are
 * `{ error }` JSON, with the status codes a RunPod-fronted API gives: 400, 401, 404.
 */

import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { inputField, parseSubmit } from './api-bodies.js';
import { sendBytes, sendJson } from './http-io.js';
import { isFinalStatus, type JobStore } from './jobs.js';
import type { RecordedRequest } from './types.js';
import type { WebhookNotifier } from './webhook.js';

/** What the handlers share with the server. */
export interface ApiContext {
  readonly store: JobStore;
  readonly apiKeys: ReadonlySet<string>;
  readonly webhooks: WebhookNotifier;
  /** The simulator's base URL, for images delivered as URLs. */
  baseUrl(): string;
  /** Aborted when the simulator closes, so waiting sync requests stop. */
  readonly closing: AbortSignal;
}

/** A decoded request body: the parsed JSON, or the raw text when it was not JSON. */
export interface DecodedBody {
  value: unknown;
  isJson: boolean;
}

const INVALID_KEY = { error: 'Invalid API key' };

/** 400 for a missing or non-JSON body, else undefined. */
function bodyProblem(body: DecodedBody, hint: string): string | undefined {
  if (body.value === undefined) return `missing JSON body: ${hint}`;
  return body.isJson ? undefined : 'invalid JSON body';
}

/** The accepted API key in the body, or undefined after answering 401. */
function acceptedKey(ctx: ApiContext, res: ServerResponse, body: DecodedBody): string | undefined {
  const key = inputField(body.value, 'api_key');
  if (key !== undefined && ctx.apiKeys.has(key)) return key;
  sendJson(res, 401, INVALID_KEY);
  return undefined;
}

/** `GET /txt2img/status` with `{ input: { api_key, job_id } }`: the job's RunPod-style body. */
export async function handleStatus(ctx: ApiContext, res: ServerResponse, body: DecodedBody): Promise<void> {
  const problem = bodyProblem(body, 'send { "input": { "api_key": "...", "job_id": "..." } }');
  if (problem) return sendJson(res, 400, { error: problem });
  const key = acceptedKey(ctx, res, body);
  if (key === undefined) return;
  const jobId = inputField(body.value, 'job_id');
  if (jobId === undefined) return sendJson(res, 400, { error: 'input.job_id is required' });
  const job = ctx.store.findFor(jobId, key);
  if (!job) return sendJson(res, 404, { error: 'job not found' });
  sendJson(res, 200, await ctx.store.body(job, ctx.baseUrl()));
  void ctx.webhooks.check(job);
}

/**
 * `POST /txt2img/async` (answers `{ id, status: 'IN_QUEUE' }` at once) and `POST /txt2img`
 * (answers when the job is done, with its final body). Sets `record.jobId` to the new job.
 */
export async function handleSubmit(
  ctx: ApiContext,
  res: ServerResponse,
  body: DecodedBody,
  mode: 'async' | 'sync',
  record: RecordedRequest,
): Promise<void> {
  const problem = bodyProblem(
    body,
    'send { "input": { "api_key": "..." }, "prompt": "...", "model": "..." }',
  );
  if (problem) return sendJson(res, 400, { error: problem });
  const key = acceptedKey(ctx, res, body);
  if (key === undefined) return;
  const submit = parseSubmit(body.value);
  if (!submit.ok) return sendJson(res, 400, { error: submit.error });

  const job = ctx.store.submit(key, submit.value);
  record.jobId = job.id;
  ctx.webhooks.watch(job);
  if (mode === 'async') return sendJson(res, 200, { id: job.id, status: 'IN_QUEUE' });

  const wait = ctx.store.msUntilFinal(job) ?? 0;
  if (wait > 0) await sleep(wait, undefined, { signal: ctx.closing });
  // With an injected clock the timer may end before the clock says so: the sync answer is final anyway.
  if (!isFinalStatus(ctx.store.statusOf(job))) ctx.store.completeNow(job);
  sendJson(res, 200, await ctx.store.body(job, ctx.baseUrl()));
  void ctx.webhooks.check(job);
}

/** `GET /images/<jobId>/<n>.<ext>`: an image delivered as a URL. No key needed, like a CDN link. */
export async function handleImage(
  ctx: ApiContext,
  res: ServerResponse,
  jobId: string,
  index: number,
  headOnly: boolean,
): Promise<void> {
  const job = ctx.store.get(jobId);
  const image = job ? (await ctx.store.images(job))[index] : undefined;
  if (!image) return sendJson(res, 404, { error: 'image not found' });
  const headers = { 'content-type': image.mimeType, 'content-length': String(image.bytes.length) };
  sendBytes(res, 200, headers, image.bytes, { headOnly });
}
