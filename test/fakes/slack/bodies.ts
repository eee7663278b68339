/**
 * Decoding what Slack clients send: Web API arguments (form, JSON or multipart) and upload bodies. The
 * fake records decoded arguments so tests assert on values, not on one client's serialization.
 */

import type { IncomingMessage } from 'node:http';

/**
 * Arguments that @slack/web-api JSON-encodes into a form field because they are objects or arrays. They
 * are parsed back so a test reads `args.files[0].id`, not a string.
 */
const JSON_STRING_FIELDS = new Set(['files', 'blocks', 'view', 'attachments', 'metadata', 'unfurls']);

/** The whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Multipart parsing without a dependency: the WHATWG Request in Node 20 knows how. */
function parseMultipart(contentType: string, raw: Buffer): Promise<FormData> {
  return new Request('http://fake.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData();
}

function decodeJsonStrings(args: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(args)) {
    if (!JSON_STRING_FIELDS.has(key) || typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Leave it as the string the client sent: the handler answers as Slack would to a malformed field.
    }
  }
  return args;
}

/** Decodes Web API arguments from any content type @slack/web-api or a hand-written client uses. */
export async function parseApiArgs(contentType: string, raw: Buffer): Promise<Record<string, unknown>> {
  if (raw.length === 0) return {};
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json') {
    const parsed: unknown = JSON.parse(raw.toString('utf8'));
    const args = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
    return decodeJsonStrings({ ...(args as Record<string, unknown>) });
  }
  if (type === 'multipart/form-data') {
    const form = await parseMultipart(contentType, raw);
    const args: Record<string, unknown> = {};
    for (const [key, value] of form) {
      args[key] = typeof value === 'string' ? value : Buffer.from(await value.arrayBuffer());
    }
    return decodeJsonStrings(args);
  }
  // Slack treats everything else as a form, and so does the fake.
  return decodeJsonStrings(Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
}

/**
 * The file bytes of an upload: @slack/web-api posts multipart with the file in field `body`; other clients
 * post the raw bytes, which Slack's upload URL also accepts.
 */
export async function parseUploadBody(contentType: string, raw: Buffer): Promise<Buffer> {
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return raw;
  const form = await parseMultipart(contentType, raw);
  const field = form.get('body') ?? form.get('file');
  if (field === null) return Buffer.alloc(0);
  return typeof field === 'string' ? Buffer.from(field, 'utf8') : Buffer.from(await field.arrayBuffer());
}

/** The body as JSON when it is JSON, else as text; for response_url posts. */
export function parseLooseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
