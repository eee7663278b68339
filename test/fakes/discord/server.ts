import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { decodePath, parseBody, readBody, sendJson } from './http.js';
import type { RequestLog } from './recorder.js';
import { matchRoute, type Route, type RouteResult } from './router.js';
import type { FakeState } from './state.js';
import type { InjectedResponse, RecordedRequest } from './types.js';

/** Lower-cased headers with the credentials replaced, so a recorded request can be printed safely. */
function redactedHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (result.authorization !== undefined) {
    result.authorization = result.authorization.startsWith('Bot ') ? 'Bot [redacted]' : '[redacted]';
  }
  return result;
}

/**
 * An injected response as Discord would send it: a 429 gets the `Retry-After` header (from
 * `retry_after` in the body) and `X-RateLimit-Scope`, which discord.js reads to schedule its retry.
 */
function injected(response: InjectedResponse): RouteResult {
  const headers: Record<string, string> = {};
  const retryAfter = (response.json as { retry_after?: unknown } | undefined)?.retry_after;
  if (response.status === 429 && typeof retryAfter === 'number') {
    headers['retry-after'] = String(retryAfter);
    headers['x-ratelimit-scope'] = 'user';
  }
  return { status: response.status, json: response.json, headers: { ...headers, ...response.headers } };
}

/** `/api/v10/channels/1` → `/channels/1`; undefined when the path is not under `/api`. */
function apiPath(pathname: string): string | undefined {
  const match = /^\/api(?:\/v\d+)?(\/.*)?$/.exec(pathname);
  return match ? decodePath(match[1] ?? '/') : undefined;
}

/** Serves an uploaded file at its attachment `url` (`/attachments/:channel/:id/:filename`). */
function serveAttachment(state: FakeState, pathname: string, response: ServerResponse): void {
  const id = pathname.split('/')[3] ?? '';
  const file = state.messages.attachmentFile(id);
  if (!file) {
    sendJson(response, 404, { message: 'Not found', code: 0 });
    return;
  }
  response
    .writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.bytes.length) })
    .end(file.bytes);
}

/** Builds the HTTP handler: records every API request, applies injected responses, then routes. */
export function restHandler(state: FakeState, log: RequestLog, routes: readonly Route[]) {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      serveAttachment(state, url.pathname, response);
      return;
    }
    const body = await readBody(request);
    const path = apiPath(url.pathname) ?? decodePath(url.pathname);
    const headers = redactedHeaders(request.headers);
    let parsed: Awaited<ReturnType<typeof parseBody>> = { files: [] };
    let result: RouteResult;
    try {
      parsed = await parseBody(request.headers['content-type'], body);
      result = route(method, path, url.searchParams, parsed, request.headers.authorization);
    } catch (error) {
      result = { status: 500, json: { message: `fake Discord failed: ${String(error)}`, code: 0 } };
    }
    const recorded: RecordedRequest = {
      method,
      path,
      query: url.searchParams,
      headers,
      files: parsed.files,
      status: result.status,
    };
    if (parsed.json !== undefined) recorded.json = parsed.json;
    log.record(recorded);
    sendJson(response, result.status, result.json, result.headers);
  };

  const route = (
    method: string,
    path: string,
    query: URLSearchParams,
    parsed: Awaited<ReturnType<typeof parseBody>>,
    authorization: string | undefined,
  ): RouteResult => {
    const override = log.takeOverride(method, path);
    if (override && !override.afterRoute) return injected(override);
    const found = matchRoute(routes, method, path);
    if (!found) return { status: 404, json: { message: 'Unknown route', code: 0 } };
    if (found.route.auth && !/^Bot \S+$/.test(authorization ?? '')) {
      return { status: 401, json: { message: '401: Unauthorized', code: 0 } };
    }
    const result = found.route.handle({
      params: found.params,
      query,
      json: parsed.json,
      files: parsed.files,
      state,
    });
    // The route ran (Discord took the request) but its answer is replaced, as when the answer was lost.
    return override ? injected(override) : result;
  };

  return (request: IncomingMessage, response: ServerResponse): void => {
    handle(request, response).catch(() => {
      // The client went away mid-request: there is nobody left to answer.
      response.destroy();
    });
  };
}
