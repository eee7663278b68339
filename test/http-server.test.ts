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
