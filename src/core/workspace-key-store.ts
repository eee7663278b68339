/**
 * Each workspace's Skidio API key, encrypted at rest, with who set it and when. Only the last four characters
 * are ever shown again (`••••abcd`). Start-up opens every stored key once, to check that the configured
 * secret opens them and to re-seal them under a new secret during a rotation.
 */
import { NotConfiguredError, StoreUnavailableError } from './errors.js';
import type { KeyValueStore, WorkspaceId } from './ports.js';
import { type Keyring, type SealedSecret, type SecretBox, SecretBoxError } from './secret-box.js';

/** What `key show` may reveal: never the key itself. */
export interface KeyDescription {
  last4: string;
  setBy: string;
  setAt: string;
}

/** The stored record. */
interface StoredKey extends KeyDescription {
  sealed: SealedSecret;
}

/** What the start-up check found. */
export interface KeyCheck {
  storedKeys: number;
  rotated: number;
}

/** The port commands use. */
export interface WorkspaceKeyStore {
  set(workspace: WorkspaceId, apiKey: string, setBy: string): Promise<KeyDescription>;
  /** The decrypted key, or undefined when none is set. */
  get(workspace: WorkspaceId): Promise<string | undefined>;
  describe(workspace: WorkspaceId): Promise<KeyDescription | undefined>;
  /** True when a key was removed. */
  clear(workspace: WorkspaceId): Promise<boolean>;
  /** The workspaces with a key whose id starts with `prefix` (an Enterprise Grid org's teams: `slack:E123:`). */
  workspacesUnder(prefix: string): Promise<WorkspaceId[]>;
  /**
   * Opens every stored key once: throws `NotConfiguredError` (a start-up error) when keys are stored but the
   * secret is missing or wrong, and re-seals keys still under the previous secret.
   */
  verify(): Promise<KeyCheck>;
  /**
   * The way out when the secret keys were stored with is lost: removes only the keys that neither
   * `KEY_ENCRYPTION_SECRET` nor `KEY_ENCRYPTION_SECRET_PREVIOUS` opens, and returns their workspaces. Watches
   * and every other record stay. Throws `NotConfiguredError` when no secret is set (it would drop every key).
   */
  forgetUnreadable(): Promise<{ kept: number; forgotten: WorkspaceId[] }>;
}

/** The command that drops keys no configured secret opens; named in every start-up error about them. */
export const FORGET_UNREADABLE_COMMAND = 'npm run keys -- forget-unreadable';

/** Masks a key for display: `••••` and its last four characters. */
export function maskKey(apiKeyOrLast4: string): string {
  return `••••${apiKeyOrLast4.slice(-4)}`;
}

const PREFIX = 'apikey:';

/**
 * Builds the key store on a key/value store. `box` is undefined when `KEY_ENCRYPTION_SECRET` is unset: reading
 * descriptions still works, but setting or using a key says what the operator must configure.
 */
export function createWorkspaceKeyStore(
  store: KeyValueStore,
  box: SecretBox | Keyring | undefined,
  now: () => Date = () => new Date(),
): WorkspaceKeyStore {
  const storageKey = (workspace: WorkspaceId) => `${PREFIX}${workspace}`;

  function requireBox(): SecretBox | Keyring {
    if (!box) {
      throw new NotConfiguredError(
        'API keys cannot be stored or used yet: the bot operator must set KEY_ENCRYPTION_SECRET.',
      );
    }
    return box;
  }

  async function guarded<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StoreUnavailableError(`the key store could not be ${action}`, { cause: error });
    }
  }

  /** Opens a record; re-seals it under the current secret when it was sealed under the previous one. */
  async function open(
    workspace: WorkspaceId,
    record: StoredKey,
  ): Promise<{ apiKey: string; rotated: boolean }> {
    const keyring = requireBox();
    try {
      if ('openForRotation' in keyring) {
        const { plaintext, stale } = keyring.openForRotation(record.sealed);
        if (stale)
          await guarded('written', () =>
            store.set(storageKey(workspace), { ...record, sealed: keyring.seal(plaintext) }),
          );
        return { apiKey: plaintext, rotated: stale };
      }
      return { apiKey: keyring.open(record.sealed), rotated: false };
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      throw new NotConfiguredError(
        `The stored API key of ${workspace} cannot be decrypted: KEY_ENCRYPTION_SECRET is not the secret it was ` +
          'stored with. Set KEY_ENCRYPTION_SECRET_PREVIOUS to the old secret to rotate; if the old secret is lost, ' +
          `run \`${FORGET_UNREADABLE_COMMAND}\` to drop only the keys no secret opens (watches are kept), start ` +
          'the bot, and have those workspaces’ admins set their key again.',
        { cause: error },
      );
    }
  }

  return {
    async set(workspace, apiKey, setBy) {
      const record: StoredKey = {
        sealed: requireBox().seal(apiKey),
        last4: apiKey.slice(-4),
        setBy,
        setAt: now().toISOString(),
      };
      await guarded('written', () => store.set(storageKey(workspace), record));
      return { last4: record.last4, setBy: record.setBy, setAt: record.setAt };
    },
    async get(workspace) {
      const record = await guarded('read', () => store.get<StoredKey>(storageKey(workspace)));
      return record ? (await open(workspace, record)).apiKey : undefined;
    },
    async describe(workspace) {
      const record = await guarded('read', () => store.get<StoredKey>(storageKey(workspace)));
      return record ? { last4: record.last4, setBy: record.setBy, setAt: record.setAt } : undefined;
    },
    async clear(workspace) {
      return guarded('written', () => store.delete(storageKey(workspace)));
    },
    async workspacesUnder(prefix) {
      return guarded('read', async () => {
        const found: WorkspaceId[] = [];
        for await (const [key] of store.entries(storageKey(prefix))) found.push(key.slice(PREFIX.length));
        return found;
      });
    },
    async verify() {
      const records = await guarded('read', async () => {
        const found: [WorkspaceId, StoredKey][] = [];
        for await (const [key, record] of store.entries<StoredKey>(PREFIX))
          found.push([key.slice(PREFIX.length), record]);
        return found;
      });
      let storedKeys = 0;
      let rotated = 0;
      for (const [workspace, record] of records) {
        storedKeys++;
        if (!box) {
          throw new NotConfiguredError(
            'API keys are stored but KEY_ENCRYPTION_SECRET is not set: set it to the secret they were stored with. ' +
              `If that secret is lost, set a new one and run \`${FORGET_UNREADABLE_COMMAND}\` (watches are kept).`,
          );
        }
        if ((await open(workspace, record)).rotated) rotated++;
      }
      return { storedKeys, rotated };
    },
    async forgetUnreadable() {
      if (!box) {
        throw new NotConfiguredError(
          'KEY_ENCRYPTION_SECRET is not set: set it (to the new secret) first; without it every key would look unreadable.',
        );
      }
      const records: [WorkspaceId, StoredKey][] = [];
      await guarded('read', async () => {
        for await (const [key, record] of store.entries<StoredKey>(PREFIX))
          records.push([key.slice(PREFIX.length), record]);
      });
      const forgotten: WorkspaceId[] = [];
      for (const [workspace, record] of records) {
        try {
          box.open(record.sealed);
        } catch (error) {
          if (!(error instanceof SecretBoxError)) throw error;
          await guarded('written', () => store.delete(storageKey(workspace)));
          forgotten.push(workspace);
        }
      }
      return { kept: records.length - forgotten.length, forgotten };
    },
  };
}
