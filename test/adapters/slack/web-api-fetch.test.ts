/**
 * The Web API client's transport against a loopback server: what the client reads of a response (status,
 * headers, body) arrives as `fetch` would give it, a timeout still aborts, and a multipart body is left to
 * the standard `fetch`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { webApiFetch } from '../../../src/adapters/slack/web-api-fetch.js';

interface Seen {
  method: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(answer: (request: IncomingMessage, seen: Seen) => { status: number; delayMs?: number }) {
  const seen: Seen[] = [];
  const listening = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const one = { method: request.method, contentType: request.headers['content-type'], body };
      seen.push(one);
      const { status, delayMs = 0 } = answer(request, one);
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' });
        response.end(JSON.stringify({ ok: status === 200 }));
      }, delayMs);
    });
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  const { port } = listening.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/chat.postMessage`, seen };
}

describe('webApiFetch', () => {
  it('sends a form post and answers with the status, headers and body the client reads', async () => {
    const { url, seen } = await serve(() => ({ status: 429 }));
    const response = await webApiFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Bearer xoxb-test' },
      body: 'channel=C1&text=hi',
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ ok: false });
    expect(seen).toEqual([
      { method: 'POST', contentType: 'application/x-www-form-urlencoded', body: 'channel=C1&text=hi' },
    ]);
  });

  it('gives up when the signal aborts, as the client’s timeout does', async () => {
    const { url } = await serve(() => ({ status: 200, delayMs: 2_000 }));
    await expect(
      webApiFetch(url, { method: 'POST', body: 'a=1', signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
  });

  it('leaves a multipart body to the standard fetch', async () => {
    const { url, seen } = await serve(() => ({ status: 200 }));
    const form = new FormData();
    form.append('text', 'hi');
    const response = await webApiFetch(url, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(seen[0]?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]?.body).toContain('name="text"');
  });
});
