/**
 * `app_uninstalled` and `tokens_revoked`: the workspace removed the app (or its bot token). Its installation,
 * its Skidio key and its pending watches go, so nothing is ever posted with a dead token and installing again
 * starts with no key. Bolt runs these two events without authorizing them (there is no token left) and
 * deletes nothing itself; `tokens_revoked` may arrive after `app_uninstalled`, so every step is idempotent.
 * https://docs.slack.dev/reference/events/app_uninstalled https://docs.slack.dev/reference/events/tokens_revoked
 */
import type { App } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import type { BotServices } from '../../services.js';
import type { SlackInstallationStore } from './installation-store.js';
import { slackWorkspaceId } from './slack-identity.js';

/** What the listeners need. */
export interface UninstallDeps {
  services: Pick<BotServices, 'keys' | 'watcher'>;
  installationStore: SlackInstallationStore;
  log: Logger;
}

/** The ids of the workspace an event came from, as the Events API envelope carries them. */
interface EnvelopeIds {
  team_id?: unknown;
  enterprise_id?: unknown;
  is_enterprise_install?: unknown;
}

/** Registers both listeners. */
export function registerUninstallEvents(app: App, deps: UninstallDeps): void {
  app.event('app_uninstalled', async ({ body }) => {
    await forget(deps, body as EnvelopeIds, 'app_uninstalled');
  });
  app.event('tokens_revoked', async ({ body, event }) => {
    // Only the bot token matters: this app asks for no user token.
    if ((event.tokens.bot ?? []).length === 0) return;
    await forget(deps, body as EnvelopeIds, 'tokens_revoked');
  });
}

async function forget(deps: UninstallDeps, ids: EnvelopeIds, reason: string): Promise<void> {
  const teamId = typeof ids.team_id === 'string' && ids.team_id !== '' ? ids.team_id : undefined;
  const enterpriseId =
    typeof ids.enterprise_id === 'string' && ids.enterprise_id !== '' ? ids.enterprise_id : undefined;
  const isEnterpriseInstall = ids.is_enterprise_install === true;
  if (!teamId && !(isEnterpriseInstall && enterpriseId)) {
    deps.log.warn({ reason }, 'a Slack uninstall event without a team id; nothing removed');
    return;
  }
  await deps.installationStore.deleteInstallation(
    isEnterpriseInstall
      ? { teamId: undefined, enterpriseId: enterpriseId ?? '', isEnterpriseInstall: true }
      : { teamId: teamId ?? '', enterpriseId, isEnterpriseInstall: false },
  );
  // An org-wide uninstall removes the app from every team of the organization, not only the event's team.
  const workspaces = new Set(
    isEnterpriseInstall && enterpriseId
      ? await deps.services.keys.workspacesUnder(slackWorkspaceId('', enterpriseId))
      : [],
  );
  if (teamId) workspaces.add(slackWorkspaceId(teamId, enterpriseId));
  const removed = { keys: 0, watches: 0 };
  for (const workspace of workspaces) {
    if (await deps.services.keys.clear(workspace)) removed.keys += 1;
    removed.watches += await deps.services.watcher.forgetWorkspace(workspace);
  }
  deps.log.info(
    {
      team: teamId,
      ...(isEnterpriseInstall ? { enterprise: enterpriseId, workspaces: workspaces.size } : {}),
      reason,
      keyRemoved: removed.keys > 0,
      keysRemoved: removed.keys,
      watchesEnded: removed.watches,
    },
    'Slack workspace removed the app: its installation, key and watches are gone',
  );
}
