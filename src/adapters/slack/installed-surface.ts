/**
 * The reply surface of a stored Slack watch when the app is installed through OAuth: the workspace's client
 * is looked up (asynchronously) on the first reply, then every reply goes through the ordinary Slack surface.
 * A workspace that removed the app gets nothing posted, with one log line; a store that cannot be read leaves
 * a final reply owed, to be tried again.
 */
import { ReplyNotDeliveredError, type ReplySurface } from '../../core/command.js';
import type { Logger, WorkspaceId } from '../../core/ports.js';
import type { SlackDelivery } from './slack-delivery.js';
import type { BotIdentity } from './slack-identity.js';
import type { WorkspaceClient, WorkspaceClientFor } from './workspace-clients.js';

/** What the surface needs. */
export interface InstalledSurfaceContext {
  workspace: WorkspaceId;
  delivery: SlackDelivery;
  clientFor: WorkspaceClientFor;
  /** Builds the ordinary surface once the workspace's client is known. */
  build(client: WorkspaceClient['client'], identity: BotIdentity): ReplySurface;
  log: Logger;
}

/** Builds the surface; nothing is looked up until the first reply. */
export function createInstalledWorkspaceSurface(context: InstalledSurfaceContext): ReplySurface {
  const { workspace, log } = context;
  let inner: ReplySurface | undefined;
  let uninstalled = false;

  /** The ordinary surface, or undefined when nothing may be posted (uninstalled, or the lookup failed). */
  async function surface(final: boolean): Promise<ReplySurface | undefined> {
    if (inner || uninstalled) return inner;
    let found: Awaited<ReturnType<WorkspaceClientFor>>;
    try {
      found = await context.clientFor(workspace);
    } catch (error) {
      log.error({ err: error, workspace }, 'could not read the Slack installation for a reply');
      if (final)
        throw new ReplyNotDeliveredError('the Slack installation could not be read', { cause: error });
      return undefined;
    }
    if (found === 'uninstalled') {
      uninstalled = true;
      log.info({ workspace }, 'the Slack workspace no longer has the app installed; reply not posted');
      return undefined;
    }
    inner = context.build(found.client, { botUserId: found.botUserId });
    return inner;
  }

  return {
    get delivery() {
      return inner?.delivery ?? context.delivery;
    },
    async progress(reply) {
      await (await surface(false))?.progress(reply);
    },
    async result(reply) {
      await (await surface(true))?.result(reply);
    },
    async error(text, jobId) {
      await (await surface(true))?.error(text, jobId);
    },
    async privateText(text) {
      await (await surface(false))?.privateText(text);
    },
  };
}
