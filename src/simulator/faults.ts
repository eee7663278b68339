/**
 * Fault injection: canned responses (503, 429 with Retry-After, an HTML error page, truncated JSON)
 * served instead of the real answer, so client retry and error paths can be tested against HTTP.
 */

import type { FaultResponse, FaultRoute } from './types.js';

/** Queued faults per route, served first-in first-out. */
export class FaultQueue {
  readonly #queues = new Map<FaultRoute, FaultResponse[]>();

  /** Queue `response` for the next `times` requests to `route`. */
  add(route: FaultRoute, response: FaultResponse, times: number): void {
    const queue = this.#queues.get(route) ?? [];
    for (let i = 0; i < times; i++) queue.push(response);
    this.#queues.set(route, queue);
  }

  /** The fault to serve for this request to `route`, if one is queued; it is used up. */
  take(route: FaultRoute): FaultResponse | undefined {
    return this.#queues.get(route)?.shift();
  }
}

/** The bytes and headers to send for a fault; content-type is guessed when the test did not set one. */
export function renderFault(fault: FaultResponse): { body: Buffer; headers: Record<string, string> } {
  const { body } = fault;
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const guessed =
    typeof body === 'object'
      ? 'application/json'
      : text.trimStart().startsWith('<')
        ? 'text/html; charset=utf-8'
        : 'text/plain; charset=utf-8';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fault.headers ?? {})) headers[name.toLowerCase()] = value;
  headers['content-type'] ??= guessed;
  const bytes = Buffer.from(text);
  // A test may declare a longer content-length than the body: the server then cuts the connection
  // after the body, which is how a response truncated in transit looks to a client.
  headers['content-length'] ??= String(bytes.length);
  return { body: bytes, headers };
}
