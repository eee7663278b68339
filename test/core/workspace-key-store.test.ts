import { describe, expect, it } from 'vitest';
import { NotConfiguredError } from '../../src/core/errors.js';
import { createKeyring, createSecretBox } from '../../src/core/secret-box.js';
import { createWorkspaceKeyStore, maskKey } from '../../src/core/workspace-key-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';

const KEY = 'sk-abcdefghijklmnop-wxyz';

describe('workspace key store', () => {
  it('stores keys sealed with AES-256-GCM, namespaced per workspace, with who and when', async () => {
    const store = createMemoryStore();
    const at = new Date('2026-11-28T10:00:00Z');
    const keys = createWorkspaceKeyStore(store, createSecretBox('operator-secret-0123456789'), () => at);
    expect(await keys.set('discord:1', KEY, '<@42>')).toEqual({
      last4: 'wxyz',
      setBy: '<@42>',
      setAt: at.toISOString(),
    });
    expect(await keys.get('discord:1')).toBe(KEY);
    expect(await keys.get('slack:T1')).toBeUndefined();
    const raw = JSON.stringify([...store.snapshot()]);
    expect(raw).not.toContain(KEY);
    expect(raw).toContain('apikey:discord:1');
    expect(raw).toContain('"v":1');
  });

  it('never seals the same key to the same bytes twice (fresh nonce)', async () => {
    const box = createSecretBox('operator-secret-0123456789');
    expect(box.seal(KEY).data).not.toBe(box.seal(KEY).data);
  });

  it('explains, rather than crashes, when the secret is missing or changed', async () => {
    const store = createMemoryStore();
    await createWorkspaceKeyStore(store, createSecretBox('operator-secret-0123456789')).set(
      'discord:1',
      KEY,
      'x',
    );
    const changed = createWorkspaceKeyStore(store, createSecretBox('another-secret-9876543210'));
    await expect(changed.get('discord:1')).rejects.toThrow(NotConfiguredError);
    await expect(changed.get('discord:1')).rejects.toThrow(/not the secret it was stored with/);
    const unset = createWorkspaceKeyStore(store, undefined);
    await expect(unset.set('discord:2', KEY, 'x')).rejects.toThrow(/must set KEY_ENCRYPTION_SECRET/);
    expect(await unset.describe('discord:1')).toMatchObject({ last4: 'wxyz' });
  });

  it('clears a key and says whether there was one', async () => {
    const keys = createWorkspaceKeyStore(createMemoryStore(), createSecretBox('operator-secret-0123456789'));
    await keys.set('console:local', KEY, 'you');
    expect(await keys.clear('console:local')).toBe(true);
    expect(await keys.clear('console:local')).toBe(false);
    expect(await keys.describe('console:local')).toBeUndefined();
  });

  it('masks to the last four characters', () => {
    expect(maskKey(KEY)).toBe('••••wxyz');
  });
});

describe('secret rotation and the start-up check', () => {
  const OLD = 'old-operator-secret-0123456789';
  const NEW = 'new-operator-secret-9876543210';

  it('re-seals keys stored under KEY_ENCRYPTION_SECRET_PREVIOUS, after which the old secret is not needed', async () => {
    const store = createMemoryStore();
    await createWorkspaceKeyStore(store, createKeyring(OLD)).set('discord:1', KEY, 'x');
    await createWorkspaceKeyStore(store, createKeyring(OLD)).set('slack:T1', `${KEY}-2`, 'y');

    const rotating = createWorkspaceKeyStore(store, createKeyring(NEW, OLD));
    expect(await rotating.verify()).toEqual({ storedKeys: 2, rotated: 2 });
    expect(await rotating.verify()).toEqual({ storedKeys: 2, rotated: 0 });

    const newOnly = createWorkspaceKeyStore(store, createKeyring(NEW));
    expect(await newOnly.get('discord:1')).toBe(KEY);
    expect(await newOnly.get('slack:T1')).toBe(`${KEY}-2`);
    await expect(createWorkspaceKeyStore(store, createKeyring(OLD)).get('discord:1')).rejects.toThrow(
      NotConfiguredError,
    );
  });

  it('fails the start-up check, naming the variable, when the secret is missing or wrong', async () => {
    const store = createMemoryStore();
    await createWorkspaceKeyStore(store, createKeyring(OLD)).set('discord:1', KEY, 'x');
    await expect(createWorkspaceKeyStore(store, undefined).verify()).rejects.toThrow(
      /KEY_ENCRYPTION_SECRET is not set/,
    );
    await expect(createWorkspaceKeyStore(store, createKeyring(NEW)).verify()).rejects.toThrow(
      /KEY_ENCRYPTION_SECRET_PREVIOUS/,
    );
    expect(await createWorkspaceKeyStore(createMemoryStore(), undefined).verify()).toEqual({
      storedKeys: 0,
      rotated: 0,
    });
  });

  it('finds every stored key through the store, not a separate index', async () => {
    const store = createMemoryStore();
    const keys = createWorkspaceKeyStore(store, createKeyring(OLD));
    await keys.set('a', KEY, 'x');
    await keys.set('a', KEY, 'x');
    await keys.set('b', KEY, 'x');
    await keys.clear('a');
    expect(await keys.verify()).toEqual({ storedKeys: 1, rotated: 0 });
  });
});
