/**
 * Installing the app into any number of workspaces with Slack OAuth, through Bolt's own installer: an
 * `HTTPReceiver` built with the OAuth options owns the `InstallProvider`, serves `GET /slack/install` (a
 * redirect to Slack's approval page, with a state cookie) and `GET /slack/oauth_redirect` (state checked, the
 * code exchanged with `oauth.v2.access` on SLACK_API_URL, the installation stored), and its `authorize` finds
 * each workspace's bot token (refreshing a rotated one). In HTTP mode the same receiver takes the events; in
 * Socket Mode it only serves the two pages on the bot's shared server.
 * https://docs.slack.dev/authentication/installing-with-oauth
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger as BoltLogger, HTTPReceiver, type webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/ports.js';
import { renderSlackInstallFailure, renderSlackInstallSuccess } from '../../web/pages.js';
import type { SlackInstallationStore } from './installation-store.js';
import { BOT_SCOPES, SLACK_EVENTS_PATH, SLACK_INSTALL_PATH, SLACK_OAUTH_REDIRECT_PATH } from './manifest.js';

/** Bolt's authorize: the bot token and ids of one workspace (or organization). */
export type SlackAuthorize = NonNullable<HTTPReceiver['installer']>['authorize'];

/** The receiver that owns the installer. */
export interface InstallReceiver {
  receiver: HTTPReceiver;
  authorize: SlackAuthorize;
}

/** What building it needs. */
export interface InstallReceiverOptions {
  oauth: NonNullable<NonNullable<Config['slack']>['oauth']>;
  signingSecret: string;
  /** `PUBLIC_URL`: the redirect URI Slack is told; without it Slack uses the app's only configured one. */
  publicUrl: string | undefined;
  installationStore: SlackInstallationStore;
  /** The Web API client options, `slackApiUrl` included, so `oauth.v2.access` goes to SLACK_API_URL. */
  clientOptions: webApi.WebClientOptions;
  boltLogger: BoltLogger;
  log: Logger;
  /** False in Socket Mode: events come over the socket, the receiver serves only the install pages. */
  takesEvents: boolean;
}

/** Builds the receiver with Bolt's OAuth installer. */
export function createInstallReceiver(options: InstallReceiverOptions): InstallReceiver {
  const { oauth, log } = options;
  const receiver = new HTTPReceiver({
    signingSecret: options.signingSecret,
    endpoints: options.takesEvents ? SLACK_EVENTS_PATH : [],
    logger: options.boltLogger,
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    stateSecret: oauth.stateSecret,
    scopes: Object.keys(BOT_SCOPES),
    installationStore: options.installationStore,
    ...(options.publicUrl ? { redirectUri: `${options.publicUrl}${SLACK_OAUTH_REDIRECT_PATH}` } : {}),
    installerOptions: {
      installPath: SLACK_INSTALL_PATH,
      redirectUriPath: SLACK_OAUTH_REDIRECT_PATH,
      // The landing page already is the "Add to Slack" page: /slack/install goes straight to Slack.
      directInstall: true,
      authorizationUrl: oauth.authorizeUrl,
      clientOptions: options.clientOptions,
      callbackOptions: {
        success(installation, _options, _request, response) {
          log.info(
            {
              team: installation.team?.id,
              ...(installation.enterprise?.id ? { enterprise: installation.enterprise.id } : {}),
            },
            'Slack workspace installed the app',
          );
          sendPage(
            response,
            200,
            renderSlackInstallSuccess({ teamName: installation.team?.name ?? installation.enterprise?.name }),
          );
        },
        failure(error, _options, _request, response) {
          log.warn({ code: error.code }, 'a Slack install did not complete; nothing was stored');
          sendPage(response, 400, renderSlackInstallFailure({ reason: failureReason(error.code) }));
        },
      },
    },
  });
  const { installer } = receiver;
  if (!installer) throw new Error('Bolt built no OAuth installer from the Slack OAuth settings');
  const authorize = oncePerWorkspace(installer.authorize);
  // Bolt's App reads the installer's authorize when it is built: events share this one too.
  installer.authorize = authorize;
  return { receiver, authorize };
}

/**
 * With token rotation a refresh token is good once: two lookups of one workspace at the same moment (two
 * events, or an event and a reply) would both refresh, and the loser would go on with the expired token. So
 * lookups of one workspace in flight together share one `authorize`; each caller gets its own copy of the
 * result (Bolt writes the event's user into it).
 */
function oncePerWorkspace(authorize: SlackAuthorize): SlackAuthorize {
  const inFlight = new Map<string, ReturnType<SlackAuthorize>>();
  return async (source) => {
    const key = `${source.enterpriseId ?? ''}/${source.teamId ?? ''}/${source.isEnterpriseInstall === true}`;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = authorize(source).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return { ...(await pending) };
  };
}

/** What the person reads when the install failed, by @slack/oauth's error code. */
function failureReason(code: string): string {
  switch (code) {
    case 'slack_oauth_invalid_state':
    case 'slack_oauth_missing_state':
      return 'The install link expired or was opened in another browser. Start again from the install page, in one browser.';
    case 'slack_oauth_installer_authorization_error':
      return 'The install was cancelled or refused in Slack.';
    case 'slack_oauth_missing_code':
      return 'Slack sent no authorization code back.';
    default:
      return 'Slack did not confirm the install.';
  }
}

function sendPage(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(html);
}

/** The two install pages as routes of the shared server, answered by the receiver. */
export function installRoutes(receiver: HTTPReceiver): {
  method: 'GET';
  path: string;
  handle(request: IncomingMessage, response: ServerResponse): void;
}[] {
  return [SLACK_INSTALL_PATH, SLACK_OAUTH_REDIRECT_PATH].map((path) => ({
    method: 'GET' as const,
    path,
    handle(request: IncomingMessage, response: ServerResponse) {
      receiver.requestListener(request, response);
    },
  }));
}
