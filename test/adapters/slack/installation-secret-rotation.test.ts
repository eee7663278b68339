/**
 * KEY_ENCRYPTION_SECRET rotation covers Slack installations as it covers API keys: start-up re-seals every
 * installation still under KEY_ENCRYPTION_SECRET_PREVIOUS, and refuses to start when neither secret opens one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NotConfiguredError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/ports.js';
import { createSecretBox, type SealedSecret, SecretBoxError } from '../../../src/core/secret-box.js';
import { createKeyvStore } from '../../../src/store/keyv-store.js';
import {
  startSlackWorld,
  TEST_API_KEY,
  TEST_ENCRYPTION_SECRET,
  type World,
} from '../../support/bot-world.js';
import { installSlackWorkspace } from '../../support/slack-install.js';

const A = { team: 'T0000001', admin: 'U_ADMIN', member: 'U_MEMBER', channel: 'C_PUBLIC' };
const NEXT_SECRET = 'the-next-encryption-secret-4567';
const INSTALLATION = `slack-install:team:${A.team}`;

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The stored installation's sealed bytes. */
async function sealedInstallation(current: World): Promise<SealedSecret> {
  const record = await current.services.store.get<{ sealed: SealedSecret }>(INSTALLATION);
  if (!record) throw new Error('no stored installation');
  return record.sealed;
}

describe('KEY_ENCRYPTION_SECRET rotation and Slack installations', () => {
  it('re-seals installations under the new secret at start-up; the new secret alone then posts a result', async () => {
    world = await startSlackWorld({ slackInstall: 'oauth', keys: {} });
    const current = world;
    await installSlackWorkspace(current, A.team);
    const keySince = current.slack.calls.length;
    await current.slackCommand(`key set ${TEST_API_KEY}`, {
      team_id: A.team,
      user_id: A.admin,
      channel_id: A.channel,
    });
    await current.slackFinal(keySince, { channel: A.channel });
    const since = current.slack.calls.length;
    await current.slackCommand('status never-rotated', {
      team_id: A.team,
      user_id: A.member,
      channel_id: A.channel,
    });
    await current.slack.waitForCall('chat.postMessage', (call) => current.slack.calls.indexOf(call) >= since);

    const { config } = current;
    current.config = {
      ...config,
      keyEncryptionSecret: NEXT_SECRET,
      keyEncryptionSecretPrevious: TEST_ENCRYPTION_SECRET,
    };
    expect(await current.restart()).toBe(1);
    const said = current.log
      .entries()
      .filter(
        (entry) =>
          entry.msg === 'stored Slack installations re-encrypted under the new KEY_ENCRYPTION_SECRET',
      );
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ storedInstallations: 1, rotated: 1 });
    // Sealed under the new secret now, no longer under the old one.
    const sealed = await sealedInstallation(current);
    expect(JSON.parse(createSecretBox(NEXT_SECRET).open(sealed))).toMatchObject({ team: { id: A.team } });
    expect(() => createSecretBox(TEST_ENCRYPTION_SECRET).open(sealed)).toThrow(SecretBoxError);

    // The rotation is over: the new secret alone reads the installation and the result is posted with it.
    const { keyEncryptionSecretPrevious: _previous, ...withoutPrevious } = current.config;
    current.config = withoutPrevious;
    expect(await current.restart()).toBe(1);
    const afterRestart = current.slack.calls.length;
    current.simulator.completeNow('never-rotated');
    expect(await current.slackFinal(afterRestart, { channel: A.channel })).toMatchObject({
      method: 'files.completeUploadExternal',
      ok: true,
    });
    expect(current.slack.tokenMismatches).toBe(0);
  });

  it('refuses to start when no configured secret opens an installation, naming the variables and the way out', async () => {
    world = await startSlackWorld({ slackInstall: 'oauth', keys: {} });
    const current = world;
    await installSlackWorkspace(current, A.team);
    current.config = { ...current.config, keyEncryptionSecret: 'a-secret-nothing-was-sealed-with' };

    const refusal = await current.restart().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(NotConfiguredError);
    const message = (refusal as Error).message;
    expect(message).toContain(`Slack installation of workspace ${A.team}`);
    expect(message).toContain('KEY_ENCRYPTION_SECRET or KEY_ENCRYPTION_SECRET_PREVIOUS');
    expect(message).toContain('npm run keys -- forget-unreadable');
    expect(message).toContain('install the app in that workspace again');
    for (const token of current.slack.tokensOf(A.team)) expect(message).not.toContain(token);
    expect(current.running).toBe(false);
    // Nothing was dropped or re-sealed: the secret it was stored with still opens it.
    const store = createKeyvStore(current.config.store, silentLogger);
    try {
      const record = await store.get<{ sealed: SealedSecret }>(INSTALLATION);
      expect(record).toBeDefined();
      expect(() =>
        createSecretBox(TEST_ENCRYPTION_SECRET).open(record?.sealed as SealedSecret),
      ).not.toThrow();
    } finally {
      await store.close();
    }
  });
});
