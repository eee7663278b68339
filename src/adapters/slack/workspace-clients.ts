/**
 * With Slack OAuth, a reply posted outside any event (a watch finishing after a restart, or on another
 * instance) needs that workspace's bot token: it comes from Bolt's installer `authorize`, which reads the
 * stored installation and refreshes a rotated token. One Web API client is kept per workspace, as Bolt keeps
 * one per workspace, so rate-limit handling and connections are shared by every reply to that workspace.
 *
 * With token rotation a token lives 12 hours, and a surface keeps its client for as long as its watch runs: so
 * the client holds no fixed token. Before each call it takes the workspace's current one, and asks `authorize`
 * again once that one is inside @slack/oauth's refresh window (which then refreshes and stores the new pair).
 * A client never calls Slack with a token that has expired, however long it is kept.
 * https://docs.slack.dev/authentication/using-token-rotation
 */
import { webApi } from '@slack/bolt';
import type { WorkspaceId } from '../../core/ports.js';
import { SlackInstallationMissingError } from './installation-store.js';
import type { SlackAuthorize } from './oauth-install.js';
import { parseSlackWorkspaceId } from './slack-identity.js';

/** A workspace's client and the bot's user id there (for the invite hint). */
export interface WorkspaceClient {
  client: webApi.WebClient;
  botUserId: string | undefined;
}

/** Finds the client of a workspace; `'uninstalled'` when it has no installation any more. */
export type WorkspaceClientFor = (workspace: WorkspaceId) => Promise<WorkspaceClient | 'uninstalled'>;

/** More clients than this are dropped oldest first. */
const MAX_CLIENTS = 1_000;

/**
 * @slack/oauth refreshes a rotating token that expires within 2 hours (`EXPIRY_WINDOW` in its
 * install-provider): from then on each call asks `authorize`, which refreshes it.
 */
const REFRESH_WINDOW_S = 7_200;

/** Thrown by a call when the workspace's installation was removed while its client was still held. */
export class SlackWorkspaceUninstalledError extends Error {
  override readonly name = 'SlackWorkspaceUninstalledError';
  readonly code = 'slack_workspace_uninstalled';
}

/** A workspace's token as `authorize` last gave it; `expiresAtS` only with token rotation (epoch seconds). */
interface CurrentToken {
  token: string;
  expiresAtS: number | undefined;
}

type AuthorizeResult = Awaited<ReturnType<SlackAuthorize>>;

/** A Web API client whose token is asked for before each call instead of fixed at construction. */
class CurrentTokenClient extends webApi.WebClient {
  constructor(
    private readonly currentToken: () => Promise<string>,
    options: webApi.WebClientOptions,
  ) {
    super(undefined, options);
  }

  override async apiCall(
    method: string,
    options: Record<string, unknown> = {},
  ): Promise<webApi.WebAPICallResult> {
    const token = typeof options.token === 'string' ? options.token : await this.currentToken();
    return super.apiCall(method, { ...options, token });
  }
}

/** One workspace's client and what it knows of the workspace's token. */
class WorkspaceEntry {
  readonly client: CurrentTokenClient;
  botUserId: string | undefined;
  private current: CurrentToken | undefined;
  private pending: Promise<CurrentToken> | undefined;

  constructor(
    private readonly authorizeNow: () => Promise<AuthorizeResult>,
    clientOptions: webApi.WebClientOptions,
  ) {
    this.client = new CurrentTokenClient(() => this.token(), clientOptions);
  }

  /** Takes what `authorize` found; a refreshed token replaces the old one for every holder of the client. */
  update(result: AuthorizeResult, token: string): void {
    this.current = { token, expiresAtS: result.botTokenExpiresAt };
    this.botUserId = result.botUserId;
  }

  /** The token to call with: the one known, unless it is about to expire; then one `authorize` for all callers. */
  private async token(): Promise<string> {
    const current = this.current;
    const nowS = Date.now() / 1000;
    if (current && (current.expiresAtS === undefined || current.expiresAtS - nowS > REFRESH_WINDOW_S))
      return current.token;
    this.pending ??= this.authorizeNow()
      .then((result) => {
        if (!result.botToken)
          throw new SlackWorkspaceUninstalledError('the Slack workspace has no bot token');
        this.update(result, result.botToken);
        return { token: result.botToken, expiresAtS: result.botTokenExpiresAt };
      })
      .finally(() => {
        this.pending = undefined;
      });
    return (await this.pending).token;
  }
}

/** Builds the lookup; `clientOptions` are the adapter's (API URL, retries, timeout, logger). */
export function createWorkspaceClients(
  authorize: SlackAuthorize,
  clientOptions: webApi.WebClientOptions,
): WorkspaceClientFor {
  const entries = new Map<string, WorkspaceEntry>();
  return async (workspace) => {
    const ids = parseSlackWorkspaceId(workspace);
    if (!ids) return 'uninstalled';
    const authorizeNow = () =>
      authorize({ teamId: ids.teamId, enterpriseId: ids.enterpriseId, isEnterpriseInstall: false });
    let result: AuthorizeResult;
    try {
      result = await authorizeNow();
    } catch (error) {
      if (isMissingInstallation(error)) return 'uninstalled';
      throw error;
    }
    const token = result.botToken;
    if (!token) return 'uninstalled';
    let entry = entries.get(workspace);
    if (!entry) {
      entry = new WorkspaceEntry(authorizeNow, { ...clientOptions, teamId: ids.teamId });
      entries.set(workspace, entry);
      const oldest = entries.keys().next().value;
      if (entries.size > MAX_CLIENTS && oldest !== undefined) entries.delete(oldest);
    }
    entry.update(result, token);
    return { client: entry.client, botUserId: entry.botUserId };
  };
}

/** @slack/oauth wraps what the store threw in an AuthorizationError (`original`). */
function isMissingInstallation(error: unknown): boolean {
  const original = (error as { original?: unknown } | null)?.original;
  return error instanceof SlackInstallationMissingError || original instanceof SlackInstallationMissingError;
}
