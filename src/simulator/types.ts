/**
 * Public types of the Skidio Labs API simulator: its options, the controls it hands to tests,
 * and the RunPod-style job statuses it answers with.
 */

import type { IncomingHttpHeaders } from 'node:http';

/** A RunPod-style job status, as the simulator writes it in `status`. */
export type SimJobStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT';

/** How images are written in a job's `output.images`. */
export type ImageDelivery = 'base64' | 'data-uri' | 'url';

/** A logger the simulator can use; pino's fits, so does `console`-like glue. Never receives API keys. */
export interface SimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of {@link startSkidioSimulator}; every field has a default. */
export interface SimulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (an ephemeral port, read it back from `url`). */
  port?: number;
  /** API keys the simulator accepts. Default `['demo-key']`. More can be added with `addApiKey`. */
  apiKeys?: string[];
  /** How long a job stays IN_QUEUE, from its creation, in ms. Default 1000. */
  queueMs?: number;
  /** How long a job then stays IN_PROGRESS, in ms. Default 2000. */
  runMs?: number;
  /** How images are written in `output.images`. Default `'data-uri'`. */
  imageDelivery?: ImageDelivery;
  /** Longer side of the drawn images, in pixels. Default 256. */
  imageSize?: number;
  /** Clock used for job timing and request timestamps; default `Date.now`. */
  now?: () => number;
  /** Where to log requests and webhook problems. Default: silent. */
  logger?: SimLogger;
}

/** One HTTP request the simulator received, recorded before any fault injection or key check. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (including any `/api` prefix). */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; the raw text when it is not JSON; undefined when there was none. */
  body: unknown;
  /** `input.api_key` from the body, so isolation tests can assert which key reached the API. */
  apiKey?: string;
  /** The job the request was about: `input.job_id`, the id a submit created, or an image's job. */
  jobId?: string;
  /** When it arrived, by the simulator's clock. */
  at: number;
}

/** The routes fault injection can target. */
export type FaultRoute = 'status' | 'async' | 'sync' | 'image';

/** A canned response served instead of the real one by `failNext`. */
export interface FaultResponse {
  status: number;
  /** A string is sent as is (an HTML page, truncated JSON); an object is sent as JSON. */
  body?: string | object;
  headers?: Record<string, string>;
  /** Wait this long before answering (to test client timeouts). */
  delayMs?: number;
}

/** A snapshot of one job, for assertions. */
export interface SimJobView {
  id: string;
  /** Its status now, by the simulator's clock. */
  status: SimJobStatus;
  /** The key that submitted it, or that first asked for a scenario job. */
  ownerKey: string | undefined;
  /** Every key that asked for its status. */
  askedBy: readonly string[];
  /** True for jobs created from a scenario id (`demo-*`, `fail-*`...) rather than by a submit. */
  scenario: boolean;
  createdAt: number;
  prompt: string;
  model: string;
  imageCount: number;
  webhook: string | undefined;
  /** True once the completion webhook was sent. */
  webhookSent: boolean;
}

/** A running simulator and the controls tests use on it. */
export interface SkidioSimulator {
  /** Base URL, no trailing slash, e.g. `http://127.0.0.1:40123`. The routes also answer under `/api`. */
  readonly url: string;
  /** Every request received, oldest first. Tests may clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  /** Snapshot of all jobs, by id, with their current status. */
  readonly jobs: ReadonlyMap<string, SimJobView>;
  /** Accept one more API key from now on. */
  addApiKey(key: string): void;
  /** Make a job reach its final outcome now (a scenario id not yet asked for is created first). */
  completeNow(jobId: string): void;
  /** Force a job's status; `extra` fields are merged into its status body (e.g. `{ error: '...' }`). */
  setJobState(jobId: string, status: SimJobStatus, extra?: Record<string, unknown>): void;
  /** Serve `response` instead of the real answer for the next `times` requests to `route`. */
  failNext(route: FaultRoute, response: FaultResponse, times?: number): void;
  /** The bytes of image `n` (0-based) of a job, as served at `/images/<jobId>/<n>.<ext>`. */
  imageBytes(jobId: string, n: number): Promise<Buffer>;
  /** Stop listening and drop every connection, keep-alive ones included. */
  close(): Promise<void>;
}
