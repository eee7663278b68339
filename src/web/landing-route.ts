/**
 * `GET /`: the landing page, rendered on each request from the adapters' install links and the readiness
 * checks, so it always shows the bot as it is now (the Discord invite appears once the application id is read).
 */
import type { HttpRoute, PlatformAdapter } from '../adapters/platform.js';
import type { ReadinessCheck } from '../http-server.js';
import { renderLandingPage } from './pages.js';

/** The route; `adapters` and `readiness` are read at each request. */
export function createLandingRoute(args: {
  adapters: readonly PlatformAdapter[];
  readiness: readonly ReadinessCheck[];
}): HttpRoute {
  return {
    method: 'GET',
    path: '/',
    async handle(_request, response) {
      const health = Object.fromEntries(
        await Promise.all(
          args.readiness.map(
            async (item) => [item.name, await Promise.resolve(item.check()).catch(() => false)] as const,
          ),
        ),
      );
      const installUrlOf = (name: PlatformAdapter['name']) =>
        args.adapters.find((adapter) => adapter.name === name)?.installUrl();
      const html = renderLandingPage({
        slackInstallUrl: installUrlOf('slack'),
        discordInviteUrl: installUrlOf('discord'),
        health,
      });
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
        // The page shows live health: never from a cache.
        'cache-control': 'no-store',
      });
      response.end(html);
    },
  };
}
