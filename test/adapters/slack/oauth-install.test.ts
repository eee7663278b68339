/**
 * Slack OAuth end to end: the real Bolt installer on the bot's shared HTTP server, against the fake Slack's
 * approval page and `oauth.v2.access`, with two workspaces that each post with their own bot token.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  eventCallback,
  sendAppUninstalled,
  sendSignedJson,
  sendTokensRevoked,
} from '../../fakes/slack/index.js';
import {
  OTHER_API_KEY,
  SIGNING_SECRET,
  SLACK_CLIENT_SECRET,
  SLACK_STATE_SECRET,
  startSlackWorld,
  TEST_API_KEY,
  type World,
  type WorldOptions,
} from '../../support/bot-world.js';
import { installSlackWorkspace } from '../../support/slack-install.js';
import { storeBytes } from '../../support/store-bytes.js';
import { storedWatches } from '../../support/stored-watches.js';

/** Workspace A is the fake's first (T0000001: U_ADMIN, U_MEMBER, C_PUBLIC); B is a second one. */
const A = { team: 'T0000001', admin: 'U_ADMIN', member: 'U_MEMBER', channel: 'C_PUBLIC' };
const B = { team: 'T0000002', admin: 'UB_ADMIN', member: 'UB_MEMBER', channel: 'CB_PUBLIC' };
const TWO_WORKSPACES: WorldOptions = {
  slackInstall: 'oauth',
  keys: {},
  slackFake: {
    teamName: 'Alpha',
    teams: {
      [B.team]: {
        name: 'Beta',
        users: { [B.admin]: { isAdmin: true }, [B.member]: {} },
        channels: { [B.channel]: { isMember: true } },
      },
    },
  },
};

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Runs `/skidio <text>` in a workspace as `user`, and waits for its final reply in `channel`. */
async function command(current: World, where: typeof A, text: string, user = where.member) {
  const since = current.slack.calls.length;
  const ack = await current.slackCommand(text, {
    team_id: where.team,
    user_id: user,
    channel_id: where.channel,
  });
  expect(ack.status).toBe(200);
  return current.slackFinal(since, { channel: where.channel });
}

describe('Slack OAuth installs', () => {
  it('installs two workspaces through the real routes; each posts with its own token and uses its own key', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    const adapter = current.adapter('slack');
    expect(adapter.installUrl()).toBe(`${current.config.publicUrl}/slack/install`);

    const installedA = await installSlackWorkspace(current, A.team);
    expect(installedA.status).toBe(200);
    expect(installedA.html).toContain('skidio-bot was added to <strong>Alpha</strong>');
    // The redirect URI is PUBLIC_URL's, and the approval asked for the manifest's scopes.
    expect(installedA.redirect.startsWith(`${current.config.publicUrl}/slack/oauth_redirect?`)).toBe(true);
    expect(current.slack.installs[0]?.scope.split(',')).toEqual(
      expect.arrayContaining(['commands', 'chat:write', 'files:write']),
    );
    const installedB = await installSlackWorkspace(current, B.team);
    expect(installedB.html).toContain('<strong>Beta</strong>');
    expect(current.slack.installs.map((install) => install.teamId)).toEqual([A.team, B.team]);

    expect(await command(current, A, `key set ${TEST_API_KEY}`, A.admin)).toMatchObject({ ok: true });
    expect(await command(current, B, `key set ${OTHER_API_KEY}`, B.admin)).toMatchObject({ ok: true });
    const imageA = await command(current, A, 'status done-alpha');
    const imageB = await command(current, B, 'status done-beta');
    expect(imageA).toMatchObject({ method: 'files.completeUploadExternal', args: { channel_id: A.channel } });
    expect(imageB).toMatchObject({ method: 'files.completeUploadExternal', args: { channel_id: B.channel } });

    // Every call carried a token of the workspace it was about, and each workspace's key asked its jobs.
    expect(current.slack.tokenMismatches).toBe(0);
    const calls = current.slack.calls.filter((call) => call.method !== 'oauth.v2.access');
    expect(calls.every((call) => call.authorization === 'present')).toBe(true);
    const keyOf = (jobId: string) =>
      current.simulator.requests.find((request) => request.jobId === jobId)?.apiKey;
    expect(keyOf('done-alpha')).toBe(TEST_API_KEY);
    expect(keyOf('done-beta')).toBe(OTHER_API_KEY);

    // The bot tokens are in the store only sealed, and in no log line.
    const tokens = [...current.slack.tokensOf(A.team), ...current.slack.tokensOf(B.team)];
    expect(tokens.filter((token) => token.startsWith('xoxb-T'))).toHaveLength(2);
    const stored = await storeBytes(current.storeDir);
    expect(stored).toContain('slack-install:team:T0000002');
    const logs = current.log.lines.join('\n');
    for (const secret of [...tokens, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET]) {
      expect(stored).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('[REDACTED]');
  });

  it('posts a result due after a restart with that workspace’s token', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    await installSlackWorkspace(current, A.team);
    await installSlackWorkspace(current, B.team);
    await command(current, B, `key set ${OTHER_API_KEY}`, B.admin);
    const since = current.slack.calls.length;
    await current.slackCommand('status never-beta', {
      team_id: B.team,
      user_id: B.member,
      channel_id: B.channel,
    });
    await current.slack.waitForCall('chat.postMessage', (call) => current.slack.calls.indexOf(call) >= since);

    expect(await current.restart()).toBe(1);
    const afterRestart = current.slack.calls.length;
    current.simulator.completeNow('never-beta');
    const final = await current.slackFinal(afterRestart, { channel: B.channel });
    expect(final).toMatchObject({ method: 'files.completeUploadExternal', ok: true });
    expect(current.slack.calls.slice(afterRestart).every((call) => call.authorization === 'present')).toBe(
      true,
    );
    expect(current.slack.tokenMismatches).toBe(0);
  });

  it('posts nothing for a stored watch whose workspace has no installation any more, and says so once', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    await installSlackWorkspace(current, B.team);
    await command(current, B, `key set ${OTHER_API_KEY}`, B.admin);
    const since = current.slack.calls.length;
    await current.slackCommand('status never-orphan', {
      team_id: B.team,
      user_id: B.member,
      channel_id: B.channel,
    });
    await current.slack.waitForCall('chat.postMessage', (call) => current.slack.calls.indexOf(call) >= since);
    // The installation vanishes without an uninstall event (removed by hand, or lost): the watch is still there.
    await current.services.store.delete(`slack-install:team:${B.team}`);
    await current.restart();
    const afterRestart = current.slack.calls.length;
    current.simulator.completeNow('never-orphan');
    await current.log.waitForMessage('the Slack workspace no longer has the app installed; reply not posted');
    await vi.waitFor(async () => expect(await storedWatches(current.services.store)).toEqual([]));
    expect(current.slack.calls.slice(afterRestart)).toEqual([]);
    const said = current.log.entries().filter((entry) => String(entry.msg).includes('no longer has the app'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ workspace: `slack:${B.team}` });
  });

  it('refuses a redirect with a bad or missing state, and stores nothing', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    const forged = await installSlackWorkspace(current, A.team, ({ redirect, cookie }) => ({
      redirect: redirect.replace(/state=[^&]+/, 'state=forged'),
      cookie,
    }));
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('skidio-bot was not installed');
    const noCookie = await installSlackWorkspace(current, A.team, ({ redirect }) => ({
      redirect,
      cookie: '',
    }));
    expect(noCookie.status).toBe(400);
    const noState = await installSlackWorkspace(current, A.team, ({ redirect, cookie }) => ({
      redirect: redirect.replace(/&?state=[^&]+/, ''),
      cookie,
    }));
    expect(noState.status).toBe(400);
    // No code was exchanged, nothing was stored, and a command from the workspace gets no answer.
    expect(current.slack.installs).toEqual([]);
    expect(await storeBytes(current.storeDir)).not.toContain('slack-install:');
    const ack = await current.slackCommand('help', { team_id: A.team });
    expect(ack.status).toBe(200);
    expect(current.slack.calls.filter((call) => call.method !== 'oauth.v2.access')).toEqual([]);
  });

  it('an org-wide uninstall (Enterprise Grid) forgets the keys of every team of the org, and only theirs', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    const { keys } = current.services;
    await keys.set('slack:E0000001:T0000001', TEST_API_KEY, 'org admin');
    await keys.set('slack:E0000001:T0000009', TEST_API_KEY, 'org admin');
    await keys.set('slack:E0000002:T0000003', OTHER_API_KEY, 'another org');
    await keys.set(`slack:${B.team}`, OTHER_API_KEY, 'a plain workspace');
    const event = {
      ...eventCallback(A.team, { type: 'app_uninstalled' }, 'E0000001'),
      is_enterprise_install: true,
    };
    expect((await sendSignedJson(current.slackUrl, SIGNING_SECRET, event)).status).toBe(200);
    await current.log.waitForMessage(
      'Slack workspace removed the app: its installation, key and watches are gone',
    );

    expect(await keys.describe('slack:E0000001:T0000001')).toBeUndefined();
    expect(await keys.describe('slack:E0000001:T0000009')).toBeUndefined();
    expect(await keys.describe('slack:E0000002:T0000003')).toBeDefined();
    expect(await keys.describe(`slack:${B.team}`)).toBeDefined();
    const removed = current.log
      .entries()
      .find((entry) => String(entry.msg).startsWith('Slack workspace removed'));
    expect(removed).toMatchObject({ enterprise: 'E0000001', workspaces: 2, keysRemoved: 2 });
  });

  it('forgets an uninstalled workspace: installation, key and watches; the other is unaffected', async () => {
    world = await startSlackWorld(TWO_WORKSPACES);
    const current = world;
    await installSlackWorkspace(current, A.team);
    await installSlackWorkspace(current, B.team);
    await command(current, A, `key set ${TEST_API_KEY}`, A.admin);
    await command(current, B, `key set ${OTHER_API_KEY}`, B.admin);
    for (const [where, jobId] of [
      [A, 'never-alpha'],
      [B, 'never-beta'],
    ] as const) {
      const since = current.slack.calls.length;
      await current.slackCommand(`status ${jobId}`, {
        team_id: where.team,
        user_id: where.member,
        channel_id: where.channel,
      });
      await current.slack.waitForCall(
        'chat.postMessage',
        (call) => current.slack.calls.indexOf(call) >= since,
      );
    }

    current.slack.revokeTokens(A.team);
    expect((await sendAppUninstalled(current.slackUrl, SIGNING_SECRET, A.team)).status).toBe(200);
    await current.log.waitForMessage(
      'Slack workspace removed the app: its installation, key and watches are gone',
    );
    // Slack may send tokens_revoked after app_uninstalled: nothing is left to remove, nothing fails.
    expect((await sendTokensRevoked(current.slackUrl, SIGNING_SECRET, A.team, ['UBOT0001'])).status).toBe(
      200,
    );

    const services = current.services;
    expect(await services.keys.describe(`slack:${A.team}`)).toBeUndefined();
    expect(await services.keys.describe(`slack:${B.team}`)).toBeDefined();
    expect((await storedWatches(services.store)).map((watch) => watch.jobId)).toEqual(['never-beta']);
    // Read through the store: SQLite keeps deleted rows' bytes in free pages until they are reused.
    expect(await services.store.get('slack-install:team:T0000001')).toBeUndefined();
    expect(await services.store.get('slack-install:team:T0000002')).toBeDefined();
    const removed = current.log
      .entries()
      .filter((entry) => String(entry.msg).startsWith('Slack workspace removed'));
    expect(removed[0]).toMatchObject({
      team: A.team,
      reason: 'app_uninstalled',
      keyRemoved: true,
      watchesEnded: 1,
    });

    // A's job ends: nobody in A hears of it. A later command from A gets Bolt's refusal: nothing is posted.
    const before = current.slack.calls.length;
    current.simulator.completeNow('never-alpha');
    await current.slackCommand('status done-late', { team_id: A.team });
    // B still works, and its pending result arrives.
    current.simulator.completeNow('never-beta');
    expect(await current.slackFinal(before, { channel: B.channel })).toMatchObject({ ok: true });
    await current.services.watcher.idle();
    const afterUninstall = current.slack.calls.slice(before);
    expect(
      afterUninstall.filter((call) => call.args.channel === A.channel || call.args.channel_id === A.channel),
    ).toEqual([]);
    expect(afterUninstall.every((call) => call.authorization === 'present')).toBe(true);
    expect(current.simulator.requests.some((request) => request.jobId === 'done-late')).toBe(false);
  });
});
