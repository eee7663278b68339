/**
 * Slack token rotation end to end: a workspace installed with rotation on (the fake hands out expiring
 * `xoxe.xoxb-` tokens and one-use refresh tokens), whose bot token then expires. The live command (Bolt's
 * authorize) and a result due after a restart (the workspace clients) both refresh it before posting.
 * https://docs.slack.dev/authentication/using-token-rotation
 */
import type { Installation } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import type { SealedSecret } from '../../../src/core/secret-box.js';
import { createKeyring } from '../../../src/core/secret-box.js';
import {
  SLACK_CLIENT_SECRET,
  startSlackWorld,
  TEST_API_KEY,
  TEST_ENCRYPTION_SECRET,
  type World,
} from '../../support/bot-world.js';
import { installSlackWorkspace } from '../../support/slack-install.js';
import { storeBytes } from '../../support/store-bytes.js';

const A = { team: 'T0000001', admin: 'U_ADMIN', member: 'U_MEMBER', channel: 'C_PUBLIC' };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The installation as stored, opened with the test's secret. */
async function storedInstallation(current: World): Promise<Installation> {
  const record = await current.services.store.get<{ sealed: SealedSecret }>(`slack-install:team:${A.team}`);
  if (!record) throw new Error('no stored installation');
  return JSON.parse(createKeyring(TEST_ENCRYPTION_SECRET).open(record.sealed)) as Installation;
}

describe('Slack token rotation', () => {
  it('refreshes an expired bot token for a command and for a result after a restart, and stores the new pair sealed', async () => {
    world = await startSlackWorld({
      slackInstall: 'oauth',
      keys: {},
      // An hour is inside @slack/oauth's 2-hour refresh window: every lookup refreshes at once, deterministically.
      slackFake: { tokenRotation: { expiresInS: 3_600 } },
    });
    const current = world;
    expect((await installSlackWorkspace(current, A.team)).status).toBe(200);
    const installed = await storedInstallation(current);
    expect(installed.bot?.token).toMatch(/^xoxe\.xoxb-/);
    expect(installed.bot?.refreshToken).toMatch(/^xoxe-1-/);

    // The install's token dies; the command's authorize must refresh before Bolt's client posts.
    current.slack.expireTokens(A.team);
    const keySince = current.slack.calls.length;
    await current.slackCommand(`key set ${TEST_API_KEY}`, {
      team_id: A.team,
      user_id: A.admin,
      channel_id: A.channel,
    });
    expect(await current.slackFinal(keySince, { channel: A.channel })).toMatchObject({ ok: true });
    const since = current.slack.calls.length;
    await current.slackCommand('status never-rotating', {
      team_id: A.team,
      user_id: A.member,
      channel_id: A.channel,
    });
    await current.slack.waitForCall('chat.postMessage', (call) => current.slack.calls.indexOf(call) >= since);

    // Every token handed out so far dies; the result is posted by the next process, through workspace-clients.
    current.slack.expireTokens(A.team);
    expect(await current.restart()).toBe(1);
    const afterRestart = current.slack.calls.length;
    current.simulator.completeNow('never-rotating');
    const final = await current.slackFinal(afterRestart, { channel: A.channel });
    expect(final).toMatchObject({ method: 'files.completeUploadExternal', ok: true });
    await current.services.watcher.idle();

    // Not one call with a dead token or another workspace's; every refresh token was used once.
    expect(current.slack.expiredTokenUses).toBe(0);
    expect(current.slack.tokenMismatches).toBe(0);
    const apiCalls = current.slack.calls.filter((call) => call.method !== 'oauth.v2.access');
    expect(apiCalls.every((call) => call.authorization === 'present')).toBe(true);
    const refreshCalls = current.slack.calls.filter((call) => call.args.grant_type === 'refresh_token');
    expect(refreshCalls.every((call) => call.ok)).toBe(true);
    expect(current.slack.refreshes.length).toBeGreaterThanOrEqual(2);

    // The store holds the newest pair, sealed: no token ever issued is in its bytes or in a log line.
    const accessTokens = current.slack.tokensOf(A.team);
    const refreshTokens = current.slack.refreshTokensOf(A.team);
    const stored = await storedInstallation(current);
    expect(stored.bot?.token).toBe(accessTokens.at(-1));
    expect(stored.bot?.refreshToken).toBe(refreshTokens.at(-1));
    const bytes = await storeBytes(current.storeDir);
    const logs = current.log.lines.join('\n');
    for (const secret of [...accessTokens, ...refreshTokens, SLACK_CLIENT_SECRET]) {
      expect(bytes).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
