/**
 * With Slack OAuth, a reply posted outside any event (a watch finishing after a restart, or on another
 * instance) needs that workspace's bot token: it comes from Bolt's installer `authorize`, which reads the
 * stored installation and refreshes a rotated token. One Web API client is kept per token, as Bolt keeps one
 * per workspace, so rate-limit handling and connections are shared by every reply to that workspace.
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

/** More clients than this are dropped oldest first: tokens rotate, and old ones are never used again. */
const MAX_CLIENTS = 1_000;

/** Builds the lookup; `clientOptions` are the adapter's (API URL, retries, timeout, logger). */
export function createWorkspaceClients(
  authorize: SlackAuthorize,
  clientOptions: webApi.WebClientOptions,
): WorkspaceClientFor {
  const clients = new Map<string, webApi.WebClient>();
  return async (workspace) => {
    const ids = parseSlackWorkspaceId(workspace);
    if (!ids) return 'uninstalled';
    let result: Awaited<ReturnType<SlackAuthorize>>;
    try {
      result = await authorize({
        teamId: ids.teamId,
        enterpriseId: ids.enterpriseId,
        isEnterpriseInstall: false,
      });
    } catch (error) {
      if (isMissingInstallation(error)) return 'uninstalled';
      throw error;
    }
    const token = result.botToken;
    if (!token) return 'uninstalled';
    let client = clients.get(token);
    if (!client) {
      client = new webApi.WebClient(token, { ...clientOptions, teamId: ids.teamId });
      clients.set(token, client);
      const oldest = clients.keys().next().value;
      if (clients.size > MAX_CLIENTS && oldest !== undefined) clients.delete(oldest);
    }
    return { client, botUserId: result.botUserId };
  };
}

/** @slack/oauth wraps what the store threw in an AuthorizationError (`original`). */
function isMissingInstallation(error: unknown): boolean {
  const original = (error as { original?: unknown } | null)?.original;
  return error instanceof SlackInstallationMissingError || original instanceof SlackInstallationMissingError;
}
