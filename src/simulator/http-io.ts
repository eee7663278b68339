/**
 * Reading request bodies and writing responses on node:http, for the simulator's routes.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bodies above this are refused with 413: real submits and status checks are a few hundred bytes. */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Thrown by {@link readRequestBody} when the body is over {@link MAX_REQUEST_BYTES}. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/**
 * Reads the whole body whatever the method: the status route is a GET with a JSON body, which
 * node:http delivers like any other body (content-length or chunked).
 */
export async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new BodyTooLargeError(`request body over ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The body as JSON when it parses, else its text; undefined when empty. */
export function decodeBody(raw: Buffer): { value: unknown; isJson: boolean } {
  if (raw.length === 0) return { value: undefined, isJson: false };
  const text = raw.toString('utf8');
  try {
    return { value: JSON.parse(text) as unknown, isJson: true };
  } catch {
    return { value: text, isJson: false };
  }
}

/** Sends bytes with the given headers; does nothing if the client is already gone. */
export function sendBytes(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: Buffer,
  options: { headOnly?: boolean } = {},
): void {
  if (res.destroyed || res.headersSent) return;
  res.writeHead(status, headers);
  res.end(options.headOnly ? undefined : body);
}

/** Sends a JSON body with content-type and content-length. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(JSON.stringify(body));
  sendBytes(
    res,
    status,
    { ...headers, 'content-type': 'application/json', 'content-length': String(bytes.length) },
    bytes,
  );
}
