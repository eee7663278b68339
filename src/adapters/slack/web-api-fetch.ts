/**
 * The Slack Web API client's transport: its option `fetch`, given a function that sends each call with undici's
 * `request` and hands the client a `Response` built from the buffered answer. The client's calls are small
 * form posts with small JSON answers; the standard `fetch` runs each through web streams on both sides, which
 * showed as a large share of a Slack command's CPU in the crowd profile (README, Performance, figure 10).
 * Bodies other than text (a multipart form) go to the standard `fetch`, unchanged.
 */
import { type Dispatcher, request } from 'undici';

type Fetch = typeof globalThis.fetch;

function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  return Object.fromEntries(new Headers(headers).entries());
}

function responseHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** A `fetch` for `WebClient`'s `fetch` option: text bodies through undici's `request`, the rest through `fetch`. */
export const webApiFetch: Fetch = async (input, init = {}) => {
  const { body } = init;
  if (typeof input !== 'string' || (body !== undefined && body !== null && typeof body !== 'string')) {
    return fetch(input, init);
  }
  const answer = await request(input, {
    method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: headerRecord(init.headers),
    body: body ?? null,
    signal: init.signal ?? undefined,
  });
  const bytes = await answer.body.arrayBuffer();
  const empty = answer.statusCode === 204 || answer.statusCode === 304;
  return new Response(empty ? null : bytes, {
    status: answer.statusCode,
    headers: responseHeaders(answer.headers),
  });
};
