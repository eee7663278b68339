/**
 * The process's one HTTP server on `PORT`: `/healthz` (alive), `/readyz` (store reachable, adapters
 * connected), and the routes adapters mount (Slack's `/slack/events`). Unknown paths get 404.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from './adapters/platform.js';
import type { Logger } from './core/ports.js';

const acceptedAt = new WeakMap<object, number>();

/**
 * When `request` reached the process: the moment its connection was accepted, for the first request on a
 * connection (its bytes may have waited for a busy event loop before the handler ran), else the handler's start.
 */
export function arrivalOf(request: IncomingMessage): number {
  const accepted = acceptedAt.get(request.socket);
  if (accepted === undefined) return performance.now();
  // Only the first request on a connection waited since the accept; later ones start when they are read.
  acceptedAt.delete(request.socket);
  return accepted;
}

/** A readiness check: a name and whether it passes. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean> | boolean;
}

/** The started server. */
export interface BotHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server on `port` (0 for an ephemeral one) with `routes` mounted. */
export async function startHttpServer(args: {
  port: number;
  host?: string;
  routes: readonly HttpRoute[];
  readiness: readonly ReadinessCheck[];
  metrics?: { render(): Promise<{ contentType: string; body: string }> };
  logger: Logger;
}): Promise<BotHttpServer> {
  const { routes, readiness, logger, metrics } = args;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    // Health checks may use HEAD (load balancers, uptime monitors): the same status, no body (Node drops it).
    const probe = request.method === 'GET' || request.method === 'HEAD';
    if (probe && path === '/healthz') {
      sendJson(response, 200, { ok: true });
      return;
    }
    if (probe && path === '/readyz') {
      void Promise.all(
        readiness.map(
          async (item) => [item.name, await Promise.resolve(item.check()).catch(() => false)] as const,
        ),
      ).then((results) => {
        const checks = Object.fromEntries(results);
        sendJson(response, results.every(([, ok]) => ok) ? 200 : 503, {
          ok: results.every(([, ok]) => ok),
          checks,
        });
      });
      return;
    }
    if (request.method === 'GET' && path === '/metrics' && metrics) {
      void metrics.render().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
          response.end(body);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'could not render metrics');
          sendJson(response, 500, { ok: false });
        },
      );
      return;
    }
    const route = routes.find(
      (candidate) =>
        candidate.method === request.method &&
        (candidate.pathPrefix ? path?.startsWith(candidate.path) : candidate.path === path),
    );
    if (!route) {
      sendJson(response, 404, { ok: false, error: 'not found' });
      return;
    }
    Promise.resolve(route.handle(request, response)).catch((error: unknown) => {
      // A prefix route's path carries its credential (a webhook token): log the route, not the path.
      logger.error({ err: error, path: route.pathPrefix ? `${route.path}…` : path }, 'HTTP route failed');
      if (!response.headersSent) sendJson(response, 500, { ok: false });
    });
  });
  server.on('connection', (socket) => acceptedAt.set(socket, performance.now()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A longer accept queue than Node's default 511, so a burst of commands is queued rather than reset.
    server.listen({ port: args.port, host: args.host ?? '0.0.0.0', backlog: 2048 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function sendJson(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
