/**
 * Where Slack OAuth installs are kept: Bolt's `InstallationStore` on the bot's own key/value store. The whole
 * installation (bot token, refresh token, any user token) is sealed with the secret box that seals API keys,
 * so neither the SQLite file nor Redis ever holds a token in plain text; only the ids stay readable. Tokens are
 * registered with the log scrubber whenever they pass through. An org-wide (Enterprise Grid) install is kept
 * under its enterprise id, a workspace install under its team id.
 * https://docs.slack.dev/tools/bolt-js/concepts/authenticating-oauth
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { NotConfiguredError, StoreUnavailableError } from '../../core/errors.js';
import type { KeyValueStore } from '../../core/ports.js';
import { type Keyring, type SealedSecret, type SecretBox, SecretBoxError } from '../../core/secret-box.js';
import type { SecretRegistry } from '../../logging.js';

const PREFIX = 'slack-install:';

/** The stored record: ids in the clear (to find and list installs), everything else sealed. */
interface StoredInstallation {
  teamId?: string;
  enterpriseId?: string;
  isEnterpriseInstall: boolean;
  installedAt: string;
  sealed: SealedSecret;
}

/** Thrown by `fetchInstallation` when the workspace has no installation (never installed, or uninstalled). */
export class SlackInstallationMissingError extends Error {
  override readonly name = 'SlackInstallationMissingError';
  readonly code = 'slack_installation_missing';
}

/** Which record an install or a query is kept under. */
export type InstallationKey = { kind: 'enterprise'; id: string } | { kind: 'team'; id: string };

/** Bolt's installation store, with `deleteInstallation` always there (uninstall events need it). */
export type SlackInstallationStore = Required<InstallationStore>;

/** Builds the store. `box` is required: OAuth without KEY_ENCRYPTION_SECRET is refused by the config. */
export function createSlackInstallationStore(deps: {
  store: KeyValueStore;
  box: SecretBox | Keyring | undefined;
  secrets: SecretRegistry;
}): SlackInstallationStore {
  const { store, secrets } = deps;
  if (!deps.box) {
    throw new NotConfiguredError(
      'KEY_ENCRYPTION_SECRET is required with Slack OAuth: installed workspaces’ bot tokens are stored encrypted with it.',
    );
  }
  const box: SecretBox | Keyring = deps.box;
  const storageKey = (key: InstallationKey) => `${PREFIX}${key.kind}:${key.id}`;

  async function guarded<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StoreUnavailableError(`the Slack installation store could not be ${action}`, {
        cause: error,
      });
    }
  }

  /** Keeps every token of an installation out of log lines from now on. */
  function scrub(installation: Installation): void {
    for (const token of [
      installation.bot?.token,
      installation.bot?.refreshToken,
      installation.user?.token,
      installation.user?.refreshToken,
    ])
      secrets.add(token);
  }

  /** Where to look for a query: the org record for an org install, else the team's, then its org's. */
  function candidates(query: {
    teamId?: string | undefined;
    enterpriseId?: string | undefined;
    isEnterpriseInstall?: boolean;
  }): InstallationKey[] {
    const keys: InstallationKey[] = [];
    if (!query.isEnterpriseInstall && query.teamId) keys.push({ kind: 'team', id: query.teamId });
    // A stored delivery does not say whether its organization installed org-wide: look there too.
    if (query.enterpriseId) keys.push({ kind: 'enterprise', id: query.enterpriseId });
    return keys;
  }

  async function open(key: InstallationKey, record: StoredInstallation): Promise<Installation> {
    let plaintext: string;
    try {
      if ('openForRotation' in box) {
        const opened = box.openForRotation(record.sealed);
        plaintext = opened.plaintext;
        if (opened.stale)
          await guarded('written', () =>
            store.set(storageKey(key), { ...record, sealed: box.seal(plaintext) }),
          );
      } else {
        plaintext = box.open(record.sealed);
      }
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new NotConfiguredError(
        `The stored Slack installation of ${key.id} cannot be decrypted: KEY_ENCRYPTION_SECRET is not the secret it ` +
          'was stored with. Set KEY_ENCRYPTION_SECRET_PREVIOUS to the old secret, or install the app in that workspace again.',
        { cause: error },
      );
    }
    const installation = JSON.parse(plaintext) as Installation;
    scrub(installation);
    return installation;
  }

  async function find(
    query: Parameters<typeof candidates>[0],
  ): Promise<{ key: InstallationKey; record: StoredInstallation } | undefined> {
    for (const key of candidates(query)) {
      const record = await guarded('read', () => store.get<StoredInstallation>(storageKey(key)));
      if (record) return { key, record };
    }
    return undefined;
  }

  return {
    async storeInstallation(installation) {
      scrub(installation);
      const isEnterpriseInstall = installation.isEnterpriseInstall === true;
      const enterpriseId = installation.enterprise?.id;
      const teamId = installation.team?.id;
      const key: InstallationKey | undefined =
        isEnterpriseInstall && enterpriseId
          ? { kind: 'enterprise', id: enterpriseId }
          : teamId
            ? { kind: 'team', id: teamId }
            : undefined;
      if (!key) throw new Error('Slack sent an installation without a team or an enterprise id');
      const record: StoredInstallation = {
        ...(teamId ? { teamId } : {}),
        ...(enterpriseId ? { enterpriseId } : {}),
        isEnterpriseInstall,
        installedAt: new Date().toISOString(),
        sealed: box.seal(JSON.stringify(installation)),
      };
      await guarded('written', () => store.set(storageKey(key), record));
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const found = await find(query);
      if (!found) {
        throw new SlackInstallationMissingError(
          `no Slack installation for ${query.isEnterpriseInstall ? `organization ${query.enterpriseId}` : `team ${query.teamId}`}`,
        );
      }
      return open(found.key, found.record);
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      // Exactly the install the query names: one workspace leaving must not remove its organization's install.
      const key: InstallationKey | undefined =
        query.isEnterpriseInstall && query.enterpriseId
          ? { kind: 'enterprise', id: query.enterpriseId }
          : query.teamId
            ? { kind: 'team', id: query.teamId }
            : undefined;
      if (key) await guarded('written', () => store.delete(storageKey(key)));
    },
  };
}
