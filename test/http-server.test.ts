import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/ports.js';
import { type BotHttpServer, startHttpServer } from '../src/http-server.js';

let server: BotHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health endpoints', () => {
  it('answer HEAD as they answer GET, without a body', async () => {
    let ready = true;
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      routes: [],
      readiness: [{ name: 'store', check: () => ready }],
      logger: silentLogger,
    });
    const url = (path: string) => `http://127.0.0.1:${server?.port}${path}`;
    const healthz = await fetch(url('/healthz'), { method: 'HEAD' });
    expect(healthz.status).toBe(200);
    expect(await healthz.text()).toBe('');
    expect((await fetch(url('/readyz'), { method: 'HEAD' })).status).toBe(200);
    ready = false;
    expect((await fetch(url('/readyz'), { method: 'HEAD' })).status).toBe(503);
    expect((await fetch(url('/readyz'))).status).toBe(503);
    expect((await fetch(url('/nowhere'), { method: 'HEAD' })).status).toBe(404);
  });
});

describe('routes', () => {
  it('match exact paths, and every path under a prefix route, for its method only', async () => {
    const hits: string[] = [];
    const answer = (name: string) => (request: IncomingMessage, response: ServerResponse) => {
      hits.push(`${name} ${request.url}`);
      response.end('ok');
    };
    server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      routes: [
        { method: 'POST', path: '/exact', handle: answer('exact') },
        { method: 'POST', path: '/hooks/', pathPrefix: true, handle: answer('prefix') },
      ],
      readiness: [],
      logger: silentLogger,
    });
    const post = (path: string) => fetch(`http://127.0.0.1:${server?.port}${path}`, { method: 'POST' });
    expect((await post('/exact')).status).toBe(200);
    expect((await post('/exact/more')).status).toBe(404);
    expect((await post('/hooks/abc?x=1')).status).toBe(200);
    expect((await post('/hooks')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server?.port}/hooks/abc`)).status).toBe(404);
    expect(hits).toEqual(['exact /exact', 'prefix /hooks/abc?x=1']);
  });
});
