/**
 * The Slack adapter: one Bolt App, for one workspace's bot token (SLACK_BOT_TOKEN) or for any number of
 * workspaces installed through Slack OAuth (oauth-install.ts), each with its own stored token. In HTTP mode
 * Bolt's HTTPReceiver handles `POST /slack/events` (signature check included) on the process's shared HTTP
 * server through `routes`; with an app token it uses Socket Mode instead. With OAuth, `GET /slack/install` and
 * `GET /slack/oauth_redirect` are served in either mode. Bolt and the Web API client log through the bot's
 * logger; the client retries briefly and honours 429 Retry-After.
 */
import {
  App,
  type AppOptions,
  type Logger as BoltLogger,
  HTTPReceiver,
  LogLevel,
  type webApi,
} from '@slack/bolt';
import type { Config } from '../../config.js';
import type { ReplySurface } from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import { arrivalOf } from '../../http-server.js';
import type { BotServices } from '../../services.js';
import type { HttpRoute, PlatformAdapter } from '../platform.js';
import { createAdminCheck } from './admins.js';
import { createBoltLogger } from './bolt-logger.js';
import { registerImagineModal } from './imagine-modal.js';
import { createSlackInstallationStore } from './installation-store.js';
import { createInstalledWorkspaceSurface } from './installed-surface.js';
import { registerKeyModal } from './key-modal.js';
import type { SlackListenerDeps } from './listener-context.js';
import { SLACK_EVENTS_PATH, SLACK_INSTALL_PATH } from './manifest.js';
import { createInstallReceiver, type InstallReceiver, installRoutes } from './oauth-install.js';
import { createSlackReplySurface } from './reply-surface.js';
import { registerResultButtons } from './result-buttons.js';
import { parseSlackDelivery, type SlackDelivery } from './slack-delivery.js';
import { startupError } from './slack-errors.js';
import type { BotIdentity } from './slack-identity.js';
import { registerSlashCommand } from './slash-command.js';
import { registerUninstallEvents } from './uninstall-events.js';
import { webApiFetch } from './web-api-fetch.js';
import { createWorkspaceClients, type WorkspaceClientFor } from './workspace-clients.js';

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
  /** `PUBLIC_URL`: the OAuth redirect URI and the install link on the landing page are built on it. */
  publicUrl?: string | undefined;
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
  const { oauth } = config;
  for (const secret of [
    config.botToken,
    config.signingSecret,
    config.appToken,
    oauth?.clientSecret,
    oauth?.stateSecret,
  ])
    services.secrets.add(secret);
  const boltLogger = createBoltLogger(log);
  const retryConfig = deps.retryConfig ?? DEFAULT_SLACK_RETRY;
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: config.apiUrl,
    retryConfig,
    timeout: WEB_API_TIMEOUT_MS,
    fetch: webApiFetch,
  };
  const { appToken } = config;
  const socketMode = appToken !== undefined;
  const install = oauth ? createOAuth(config, oauth, deps, boltLogger, clientOptions, socketMode) : undefined;
  const receiver = socketMode ? undefined : (install?.receiver ?? createReceiver(config, boltLogger));
  const connection: AppOptions =
    receiver !== undefined || appToken === undefined
      ? { ...(receiver ? { receiver } : {}) }
      : // In Socket Mode Bolt's own installer would listen on a port of its own: ours serves the pages instead.
        { socketMode: true, appToken, ...(install ? { authorize: install.authorize } : {}) };
  const app = new App({
    // With OAuth, Bolt's authorize comes from the installer: each workspace's token from the store.
    ...(install || config.botToken === undefined ? {} : { token: config.botToken }),
    logger: boltLogger,
    logLevel: LogLevel.INFO,
    // Without it, `new App()` calls auth.test at once and a refusal becomes an unhandled rejection.
    deferInitialization: true,
    clientOptions,
    ...connection,
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
  registerImagineModal(app, listenerDeps);
  registerResultButtons(app, listenerDeps);
  if (install) registerUninstallEvents(app, { services, installationStore: install.store, log });
  const clientFor: WorkspaceClientFor | undefined =
    install && createWorkspaceClients(install.authorize, { ...clientOptions, logger: boltLogger });

  let ready = false;
  const routes: HttpRoute[] = [
    ...(receiver ? [eventsRoute(receiver, deps.services, () => ready)] : []),
    ...(install ? installRoutes(install.receiver) : []),
  ];

  /** The ordinary surface for one conversation, with a given client (the app's, or a workspace's). */
  const surfaceWith =
    (delivery: SlackDelivery) =>
    (client: webApi.WebClient, identity: BotIdentity): ReplySurface =>
      createSlackReplySurface({ client, delivery, identity, log, uploadRetry: retryConfig });

  return {
    name: 'slack',
    routes,
    async start() {
      // As with API keys: an installation the secret cannot open stops start-up, not a workspace's next event.
      if (install) {
        const check = await install.store.verify();
        if (check.rotated > 0)
          log.info(check, 'stored Slack installations re-encrypted under the new KEY_ENCRYPTION_SECRET');
      }
      try {
        // With OAuth there is no token to check: each workspace's is found when its events arrive.
        await app.init();
      } catch (error) {
        throw startupError(error, install ? 'SLACK_CLIENT_ID' : 'SLACK_BOT_TOKEN', config.apiUrl);
      }
      if (socketMode) {
        try {
          await app.start();
        } catch (error) {
          throw startupError(error, 'SLACK_APP_TOKEN', config.apiUrl);
        }
      }
      ready = true;
      log.info(
        { mode: socketMode ? 'socket' : 'http', installs: install ? 'oauth' : 'single-token' },
        'Slack adapter started',
      );
    },
    installUrl: () => (install ? `${deps.publicUrl ?? ''}${SLACK_INSTALL_PATH}` : undefined),
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
    surfaceFor(asker, key) {
      const delivery = parseSlackDelivery(asker.address);
      if (!delivery) return undefined;
      if (!clientFor) return surfaceWith(delivery)(app.client, listenerDeps.identity);
      // Each workspace posts with its own token, found when the first reply goes out.
      return createInstalledWorkspaceSurface({
        workspace: key.workspace,
        delivery,
        clientFor,
        build: surfaceWith(delivery),
        log,
      });
    },
  };
}

/** `POST /slack/events`, answered by Bolt's receiver once the adapter has started. */
function eventsRoute(receiver: HTTPReceiver, services: BotServices, isReady: () => boolean): HttpRoute {
  return {
    method: 'POST',
    path: SLACK_EVENTS_PATH,
    handle(request, response) {
      // Until auth.test has passed Bolt cannot authorize a request: say "not yet" plainly.
      if (!isReady()) {
        response.writeHead(503).end();
        return;
      }
      // The ack is Bolt's HTTP answer: timed from the request reaching the process to the answer sent.
      const arrived = arrivalOf(request);
      // Until it is answered, work after earlier acks and watch turns wait (see core/ack-first.ts).
      const acked = services.ackFirst.awaitingAck();
      response.once('finish', () => {
        acked();
        services.metrics.observeAck('slack', performance.now() - arrived);
      });
      response.once('close', acked);
      receiver.requestListener(request, response);
    },
  };
}

/** Slack OAuth: the installation store on the bot's store, and Bolt's installer around it. */
function createOAuth(
  config: NonNullable<Config['slack']>,
  oauth: NonNullable<NonNullable<Config['slack']>['oauth']>,
  deps: SlackAdapterDeps,
  boltLogger: BoltLogger,
  clientOptions: webApi.WebClientOptions,
  socketMode: boolean,
): InstallReceiver & { store: ReturnType<typeof createSlackInstallationStore> } {
  if (!config.signingSecret) {
    throw new Error(
      'SLACK_SIGNING_SECRET is required with Slack OAuth (Basic Information > App Credentials).',
    );
  }
  const store = createSlackInstallationStore({
    store: deps.services.store,
    box: deps.services.sealer,
    secrets: deps.services.secrets,
  });
  const install = createInstallReceiver({
    oauth,
    signingSecret: config.signingSecret,
    publicUrl: deps.publicUrl,
    installationStore: store,
    clientOptions,
    boltLogger,
    log: deps.logger,
    takesEvents: !socketMode,
  });
  return { ...install, store };
}

function createReceiver(config: NonNullable<Config['slack']>, logger: BoltLogger): HTTPReceiver {
  if (!config.signingSecret) {
    throw new Error(
      'SLACK_SIGNING_SECRET is required for Slack HTTP mode (or set SLACK_APP_TOKEN for Socket Mode).',
    );
  }
  return new HTTPReceiver({ signingSecret: config.signingSecret, endpoints: SLACK_EVENTS_PATH, logger });
}
