/**
 * Where Slack OAuth installs are kept: Bolt's `InstallationStore` on the bot's own key/value store. The whole
 * installation (bot token, refresh token, any user token) is sealed with the secret box that seals API keys,
 * so neither the SQLite file nor Redis ever holds a token in plain text; only the ids stay readable. Tokens are
 * registered with the log scrubber whenever they pass through. An org-wide (Enterprise Grid) install is kept
 * under its enterprise id, a workspace install under its team id. Start-up opens every installation once, as it
 * opens every API key: to re-seal them under a new KEY_ENCRYPTION_SECRET, and to refuse a secret that opens none.
 * https://docs.slack.dev/tools/bolt-js/concepts/authenticating-oauth
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { NotConfiguredError, StoreUnavailableError } from '../../core/errors.js';
import type { KeyValueStore } from '../../core/ports.js';
import { type Keyring, type SealedSecret, type SecretBox, SecretBoxError } from '../../core/secret-box.js';
import { FORGET_UNREADABLE_COMMAND } from '../../core/workspace-key-store.js';
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

/** What the start-up check found: how many installations are stored, how many were re-sealed. */
export interface InstallationCheck {
  storedInstallations: number;
  rotated: number;
}

/**
 * Bolt's installation store, with `deleteInstallation` always there (uninstall events need it), and the two
 * steps of a KEY_ENCRYPTION_SECRET rotation.
 */
export type SlackInstallationStore = Required<InstallationStore> & {
  /**
   * Opens every stored installation once: re-seals those still under KEY_ENCRYPTION_SECRET_PREVIOUS, and throws
   * `NotConfiguredError` (a start-up error) naming the workspace when neither secret opens one.
   */
  verify(): Promise<InstallationCheck>;
  /**
   * The way out when the secret installations were stored with is lost: removes only those no configured secret
   * opens (their workspaces install the app again), and returns their ids.
   */
  forgetUnreadable(): Promise<{ kept: number; forgotten: string[] }>;
};

/** Why an installation cannot be opened, and the way out; names the workspace, never a token. */
function unreadableMessage(key: InstallationKey): string {
  const where = key.kind === 'enterprise' ? `organization ${key.id}` : `workspace ${key.id}`;
  return (
    `The stored Slack installation of ${where} cannot be decrypted with KEY_ENCRYPTION_SECRET or ` +
    'KEY_ENCRYPTION_SECRET_PREVIOUS. Set KEY_ENCRYPTION_SECRET_PREVIOUS to the secret it was stored with to ' +
    `rotate; if that secret is lost, run \`${FORGET_UNREADABLE_COMMAND}\` to drop only what no secret opens ` +
    '(watches are kept), start the bot, and install the app in that workspace again.'
  );
}

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

  /** Opens a record; re-seals it under the current secret when it was sealed under the previous one. */
  async function open(
    key: InstallationKey,
    record: StoredInstallation,
  ): Promise<{ installation: Installation; rotated: boolean }> {
    let plaintext: string;
    let rotated = false;
    try {
      if ('openForRotation' in box) {
        const opened = box.openForRotation(record.sealed);
        plaintext = opened.plaintext;
        rotated = opened.stale;
      } else {
        plaintext = box.open(record.sealed);
      }
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new NotConfiguredError(unreadableMessage(key), { cause: error });
    }
    if (rotated)
      await guarded('written', () => store.set(storageKey(key), { ...record, sealed: box.seal(plaintext) }));
    const installation = JSON.parse(plaintext) as Installation;
    scrub(installation);
    return { installation, rotated };
  }

  /** Every stored installation, read before any is changed. */
  async function all(): Promise<[InstallationKey, StoredInstallation][]> {
    return guarded('read', async () => {
      const found: [InstallationKey, StoredInstallation][] = [];
      for await (const [storedAt, record] of store.entries<StoredInstallation>(PREFIX)) {
        const key = parseStorageKey(storedAt);
        if (key) found.push([key, record]);
      }
      return found;
    });
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
      return (await open(found.key, found.record)).installation;
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
    async verify() {
      let rotated = 0;
      const records = await all();
      for (const [key, record] of records) if ((await open(key, record)).rotated) rotated++;
      return { storedInstallations: records.length, rotated };
    },
    async forgetUnreadable() {
      const records = await all();
      const forgotten: string[] = [];
      for (const [key, record] of records) {
        try {
          box.open(record.sealed);
        } catch (error) {
          if (!(error instanceof SecretBoxError)) throw error;
          await guarded('written', () => store.delete(storageKey(key)));
          forgotten.push(key.id);
        }
      }
      return { kept: records.length - forgotten.length, forgotten };
    },
  };
}

/** `slack-install:team:T123` → `{ kind: 'team', id: 'T123' }`; undefined for anything else. */
function parseStorageKey(storedAt: string): InstallationKey | undefined {
  const [kind, ...rest] = storedAt.slice(PREFIX.length).split(':');
  const id = rest.join(':');
  if (id === '') return undefined;
  return kind === 'team' || kind === 'enterprise' ? { kind, id } : undefined;
}
