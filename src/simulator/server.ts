/**
 * The simulator's HTTP server: a node:http listener on loopback that records every request, serves
 * injected faults, and dispatches to the Skidio API routes. Built by {@link startSkidioSimulator}.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { inputField } from './api-bodies.js';
import {
  type ApiContext,
  type DecodedBody,
  handleImage,
  handleStatus,
  handleSubmit,
} from './api-handlers.js';
import { FaultQueue, renderFault } from './faults.js';
import { BodyTooLargeError, decodeBody, readRequestBody, sendBytes, sendJson } from './http-io.js';
import { JobStore } from './jobs.js';
import { ALLOWED_METHODS, matchRoute, type Route } from './routes.js';
import type { FaultResponse, RecordedRequest, SimulatorOptions, SkidioSimulator } from './types.js';
import { WebhookNotifier } from './webhook.js';

/** Defaults of {@link SimulatorOptions}. */
export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  apiKeys: ['demo-key'],
  queueMs: 1000,
  runMs: 2000,
  imageDelivery: 'data-uri',
  imageSize: 256,
} as const;

function baseUrlOf(address: AddressInfo): string {
  // A wildcard bind is reachable on loopback; clients need a concrete host in the URL.
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Starts a Skidio Labs API simulator and resolves once it is listening. */
export async function startSkidioSimulator(options: SimulatorOptions = {}): Promise<SkidioSimulator> {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const apiKeys = new Set(options.apiKeys ?? SIMULATOR_DEFAULTS.apiKeys);
  const store = new JobStore({
    queueMs: options.queueMs ?? SIMULATOR_DEFAULTS.queueMs,
    runMs: options.runMs ?? SIMULATOR_DEFAULTS.runMs,
    imageDelivery: options.imageDelivery ?? SIMULATOR_DEFAULTS.imageDelivery,
    imageSize: options.imageSize ?? SIMULATOR_DEFAULTS.imageSize,
    now,
  });
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let url = '';
  const webhooks = new WebhookNotifier(store, () => url, logger);
  const ctx: ApiContext = { store, apiKeys, webhooks, baseUrl: () => url, closing: closing.signal };
  let requestCount = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount += 1;
    // A request id on every answer, as real APIs send, so client errors can carry one.
    res.setHeader('x-request-id', `sim-${requestCount}`);
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    let body: DecodedBody;
    try {
      body = decodeBody(await readRequestBody(req));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return sendJson(res, 413, { error: error.message }, { connection: 'close' });
    }

    const route = matchRoute(rawUrl);
    const record = recordRequest(req, rawUrl, body, route);
    logger?.info(
      { method, path: record.path, route: route?.kind, jobId: record.jobId },
      'simulator: request',
    );
    if (!route) return sendJson(res, 404, { error: 'not found' });
    if (!ALLOWED_METHODS[route.kind].includes(method)) {
      return sendJson(
        res,
        405,
        { error: `method ${method} not allowed` },
        { allow: ALLOWED_METHODS[route.kind].join(', ') },
      );
    }
    const fault = faults.take(route.kind);
    if (fault) return serveFault(res, fault);

    switch (route.kind) {
      case 'status':
        return handleStatus(ctx, res, body);
      case 'async':
      case 'sync':
        return handleSubmit(ctx, res, body, route.kind, record);
      case 'image':
        return handleImage(ctx, res, route.jobId, route.index, method === 'HEAD');
    }
  }

  function recordRequest(
    req: IncomingMessage,
    rawUrl: string,
    body: DecodedBody,
    route: Route | undefined,
  ): RecordedRequest {
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: rawUrl.split('?')[0] ?? '/',
      headers: req.headers,
      body: body.value,
      at: now(),
    };
    const apiKey = inputField(body.value, 'api_key');
    if (apiKey !== undefined) record.apiKey = apiKey;
    const jobId = route?.kind === 'image' ? route.jobId : inputField(body.value, 'job_id');
    if (jobId !== undefined) record.jobId = jobId;
    requests.push(record);
    return record;
  }

  async function serveFault(res: ServerResponse, fault: FaultResponse): Promise<void> {
    if (fault.delayMs) await sleep(fault.delayMs, undefined, { signal: closing.signal });
    const { body, headers } = renderFault(fault);
    sendBytes(res, fault.status, headers, body);
    // A declared length longer than the body means "cut in transit": drop the connection.
    if (Number(headers['content-length']) > body.length) res.socket?.destroy();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (closing.signal.aborted) return; // answers interrupted by close() have nobody to go to
      logger?.warn({ err: String(error), path: req.url }, 'simulator: request failed');
      sendJson(res, 500, { error: 'simulator internal error' });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? SIMULATOR_DEFAULTS.port, options.host ?? SIMULATOR_DEFAULTS.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  url = baseUrlOf(server.address() as AddressInfo);

  return {
    url,
    requests,
    get jobs() {
      return store.views();
    },
    addApiKey: (key) => {
      apiKeys.add(key);
    },
    completeNow: (jobId) => {
      const job = store.require(jobId);
      store.completeNow(job);
      void webhooks.check(job);
    },
    setJobState: (jobId, status, extra) => {
      const job = store.require(jobId);
      store.setState(job, status, extra);
      void webhooks.check(job);
    },
    failNext: (route, response, times = 1) => faults.add(route, response, times),
    imageBytes: async (jobId, n) => {
      const image = (await store.images(store.require(jobId)))[n];
      if (!image) throw new Error(`simulator: job ${jobId} has no image ${n}`);
      return image.bytes;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        webhooks.close();
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open for seconds; drop them, idle or not.
        server.closeAllConnections();
      }),
  };
}
