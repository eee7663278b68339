/**
 * Each workspace's Skidio API key, encrypted at rest, with who set it and when. Only the last four characters
 * are ever shown again (`••••abcd`).
 */
import { NotConfiguredError, StoreUnavailableError } from './errors.js';
import type { KeyValueStore, WorkspaceId } from './ports.js';
import { type SealedSecret, type SecretBox, SecretBoxError } from './secret-box.js';

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

/** The port commands use. */
export interface WorkspaceKeyStore {
  set(workspace: WorkspaceId, apiKey: string, setBy: string): Promise<KeyDescription>;
  /** The decrypted key, or undefined when none is set. */
  get(workspace: WorkspaceId): Promise<string | undefined>;
  describe(workspace: WorkspaceId): Promise<KeyDescription | undefined>;
  /** True when a key was removed. */
  clear(workspace: WorkspaceId): Promise<boolean>;
}

/** Masks a key for display: `••••` and its last four characters. */
export function maskKey(apiKeyOrLast4: string): string {
  return `••••${apiKeyOrLast4.slice(-4)}`;
}

/**
 * Builds the key store on a key/value store. `box` is undefined when `KEY_ENCRYPTION_SECRET` is unset: reading
 * descriptions still works, but setting or using a key says what the operator must configure.
 */
export function createWorkspaceKeyStore(
  store: KeyValueStore,
  box: SecretBox | undefined,
  now: () => Date = () => new Date(),
): WorkspaceKeyStore {
  const storageKey = (workspace: WorkspaceId) => `apikey:${workspace}`;

  function requireBox(): SecretBox {
    if (!box) {
      throw new NotConfiguredError(
        'API keys cannot be stored or used yet: the bot operator must set KEY_ENCRYPTION_SECRET.',
      );
    }
    return box;
  }

  async function read(workspace: WorkspaceId): Promise<StoredKey | undefined> {
    try {
      return await store.get<StoredKey>(storageKey(workspace));
    } catch (error) {
      throw new StoreUnavailableError('the key store could not be read', { cause: error });
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
      try {
        await store.set(storageKey(workspace), record);
      } catch (error) {
        throw new StoreUnavailableError('the key store could not be written', { cause: error });
      }
      return { last4: record.last4, setBy: record.setBy, setAt: record.setAt };
    },
    async get(workspace) {
      const record = await read(workspace);
      if (!record) return undefined;
      try {
        return requireBox().open(record.sealed);
      } catch (error) {
        if (error instanceof SecretBoxError) {
          throw new NotConfiguredError(
            'The stored API key cannot be decrypted: KEY_ENCRYPTION_SECRET changed. An admin should set the key again.',
            { cause: error },
          );
        }
        throw error;
      }
    },
    async describe(workspace) {
      const record = await read(workspace);
      return record ? { last4: record.last4, setBy: record.setBy, setAt: record.setAt } : undefined;
    },
    async clear(workspace) {
      try {
        return await store.delete(storageKey(workspace));
      } catch (error) {
        throw new StoreUnavailableError('the key store could not be written', { cause: error });
      }
    },
  };
}
