import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedFile } from './types.js';

/** Reads a request body completely. */
export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Parses a JSON or multipart body. discord.js sends uploads as multipart with the message in a
 * `payload_json` part and files in `files[n]` parts; the WHATWG `Request` parses that without a
 * dependency. Multipart string parts other than `payload_json` (sent by some routes instead of
 * it) are returned as a JSON object.
 */
export async function parseBody(
  contentType: string | undefined,
  body: Buffer,
): Promise<{ json?: unknown; files: RecordedFile[] }> {
  if (body.length === 0) return { files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).formData();
    const files: RecordedFile[] = [];
    const fields: Record<string, string> = {};
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') {
        fields[name] = value;
      } else {
        files.push({
          field: name,
          filename: value.name,
          contentType: value.type || 'application/octet-stream',
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
    }
    const payload = fields.payload_json;
    return { json: payload === undefined ? fields : JSON.parse(payload), files };
  }
  const text = body.toString('utf8');
  try {
    return { json: JSON.parse(text), files: [] };
  } catch {
    // Not JSON: keep the text so a test can still see what arrived.
    return { json: text, files: [] };
  }
}

/** Writes a JSON response (or an empty one when `json` is undefined). */
export function sendJson(
  response: ServerResponse,
  status: number,
  json: unknown,
  headers: Record<string, string> = {},
): void {
  if (json === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(json);
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    })
    .end(text);
}

/** Decodes each path segment: discord.js percent-encodes `@`, so `/users/%40me` arrives for `/users/@me`. */
export function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
}
