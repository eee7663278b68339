/**
 * The Slack adapter: one Bolt App for one workspace's bot token. In HTTP mode Bolt's HTTPReceiver handles
 * `POST /slack/events` (signature check included) on the process's shared HTTP server through `routes`; with
 * an app token it uses Socket Mode instead and serves no route. Bolt and the Web API client log through the
 * bot's logger; the client retries briefly and honours 429 Retry-After.
 */
import { App, type Logger as BoltLogger, HTTPReceiver, LogLevel, type webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/ports.js';
import { arrivalOf } from '../../http-server.js';
import type { BotServices } from '../../services.js';
import type { HttpRoute, PlatformAdapter } from '../platform.js';
import { createAdminCheck } from './admins.js';
import { createBoltLogger } from './bolt-logger.js';
import { registerKeyModal } from './key-modal.js';
import type { SlackListenerDeps } from './listener-context.js';
import { SLACK_EVENTS_PATH } from './manifest.js';
import { createSlackReplySurface } from './reply-surface.js';
import { parseSlackDelivery } from './slack-delivery.js';
import { startupError } from './slack-errors.js';
import { registerSlashCommand } from './slash-command.js';
import { webApiFetch } from './web-api-fetch.js';

/**
 * A few retries over about 10 s. The client waits out a 429's Retry-After before each retry
 * (https://docs.slack.dev/apis/web-api/rate-limits); its default policy would keep a reply waiting ~30 min.
 */
export const DEFAULT_SLACK_RETRY: webApi.RetryOptions = {
  retries: 3,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 5_000,
  randomize: true,
};

/** One Web API call (an upload included) may take this long before it counts as failed. */
const WEB_API_TIMEOUT_MS = 60_000;

/** What the adapter needs; `retryConfig` lets tests retry fast or not at all. */
export interface SlackAdapterDeps {
  services: BotServices;
  logger: Logger;
  retryConfig?: webApi.RetryOptions;
}

/** The Slack platform adapter; `surfaceFor` answers only for addresses it stored (`kind: 'slack'`). */
export interface SlackAdapter extends PlatformAdapter {
  readonly name: 'slack';
}

/** Builds the adapter. Nothing talks to Slack until `start()`. */
export function createSlackAdapter(
  config: NonNullable<Config['slack']>,
  deps: SlackAdapterDeps,
): SlackAdapter {
  const { services } = deps;
  // The caller binds `adapter: 'slack'` (bot.ts does); binding it again would print the field twice.
  const log = deps.logger;
  for (const secret of [config.botToken, config.signingSecret, config.appToken]) services.secrets.add(secret);
  const boltLogger = createBoltLogger(log);
  const retryConfig = deps.retryConfig ?? DEFAULT_SLACK_RETRY;
  const socketMode = config.appToken !== undefined;
  const mode =
    config.appToken === undefined
      ? { receiver: createReceiver(config, boltLogger) }
      : { socketMode: true, appToken: config.appToken };
  const receiver = 'receiver' in mode ? mode.receiver : undefined;
  const app = new App({
    token: config.botToken,
    logger: boltLogger,
    logLevel: LogLevel.INFO,
    // Without it, `new App()` calls auth.test at once and a refusal becomes an unhandled rejection.
    deferInitialization: true,
    clientOptions: {
      slackApiUrl: config.apiUrl,
      retryConfig,
      timeout: WEB_API_TIMEOUT_MS,
      fetch: webApiFetch,
    },
    ...mode,
  });
  app.error(async (error) => {
    log.error({ err: error, code: error.code }, 'Bolt could not process a Slack request');
  });

  const listenerDeps: SlackListenerDeps = {
    services,
    isAdmin: createAdminCheck(config.adminUserIds, log),
    identity: { botUserId: undefined },
    log,
    uploadRetry: retryConfig,
  };
  registerSlashCommand(app, listenerDeps);
  registerKeyModal(app, listenerDeps);

  let ready = false;
  const routes: HttpRoute[] = receiver
    ? [
        {
          method: 'POST',
          path: SLACK_EVENTS_PATH,
          handle(request, response) {
            // Until auth.test has passed Bolt cannot authorize a request: say "not yet" plainly.
            if (!ready) {
              response.writeHead(503).end();
              return;
            }
            // The ack is Bolt's HTTP answer: timed from the request reaching the process to the answer sent.
            const arrived = arrivalOf(request);
            // Until it is answered, work after earlier acks and watch turns wait (see core/ack-first.ts).
            const acked = deps.services.ackFirst.awaitingAck();
            response.once('finish', () => {
              acked();
              deps.services.metrics.observeAck('slack', performance.now() - arrived);
            });
            response.once('close', acked);
            receiver.requestListener(request, response);
          },
        },
      ]
    : [];

  return {
    name: 'slack',
    routes,
    async start() {
      try {
        await app.init();
      } catch (error) {
        throw startupError(error, 'SLACK_BOT_TOKEN', config.apiUrl);
      }
      if (socketMode) {
        try {
          await app.start();
        } catch (error) {
          throw startupError(error, 'SLACK_APP_TOKEN', config.apiUrl);
        }
      }
      ready = true;
      log.info({ mode: socketMode ? 'socket' : 'http' }, 'Slack adapter started');
    },
    isReady: () => ready,
    async stop() {
      const wasReady = ready;
      ready = false;
      // In HTTP mode the shared server owns the socket; only Socket Mode has a connection to close.
      if (socketMode && wasReady) {
        await app
          .stop()
          .catch((error: unknown) => log.warn({ err: error }, 'Socket Mode did not close cleanly'));
      }
    },
    surfaceFor(asker) {
      const delivery = parseSlackDelivery(asker.address);
      if (!delivery) return undefined;
      return createSlackReplySurface({
        client: app.client,
        delivery,
        identity: listenerDeps.identity,
        log,
        uploadRetry: retryConfig,
      });
    },
  };
}

function createReceiver(config: NonNullable<Config['slack']>, logger: BoltLogger): HTTPReceiver {
  if (!config.signingSecret) {
    throw new Error(
      'SLACK_SIGNING_SECRET is required for Slack HTTP mode (or set SLACK_APP_TOKEN for Socket Mode).',
    );
  }
  return new HTTPReceiver({ signingSecret: config.signingSecret, endpoints: SLACK_EVENTS_PATH, logger });
}
