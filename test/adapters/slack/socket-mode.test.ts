import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_APP_TOKEN, startSlackWorld, TEST_API_KEY, type World } from '../../support/bot-world.js';
import { installSlackWorkspace } from '../../support/slack-install.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Slack adapter in Socket Mode', () => {
  it('connects without an HTTP route and runs /skidio over the socket', async () => {
    world = await startSlackWorld({ slackMode: 'socket' });
    const adapter = world.adapter('slack');
    expect(adapter.routes).toEqual([]);
    expect(adapter.isReady()).toBe(true);

    const ack = await world.socketMode.slashCommand({
      token: 'fake-verification-token',
      team_id: 'T0000001',
      channel_id: 'C_PUBLIC',
      user_id: 'U_MEMBER',
      user_name: 'max',
      command: '/skidio',
      text: 'status done-1',
      api_app_id: 'A0000001',
      trigger_id: 'trigger-socket',
    });
    expect(ack.envelope_id).toBe('envelope-1');
    const completion = await world.slack.waitForCall('files.completeUploadExternal');
    expect(completion.args.channel_id).toBe('C_PUBLIC');
    const upload = await world.slack.waitForUpload();
    expect(upload.bytes.equals(await world.simulator.imageBytes('done-1', 0))).toBe(true);

    await adapter.stop();
    expect(adapter.isReady()).toBe(false);
    expect(world.log.lines.join('\n')).not.toContain(SLACK_APP_TOKEN);
  });

  it('rejects start() with one clear error when Slack refuses the app token', async () => {
    world = await startSlackWorld({
      slackMode: 'socket',
      start: false,
      env: { SLACK_APP_TOKEN: 'xapp-1-not-the-right-one' },
    });
    await expect(world.start()).rejects.toThrow('Slack refused SLACK_APP_TOKEN (invalid_auth)');
    // startBot rejected with the adapter's error: nothing is left answering, let alone ready.
    expect(await world.readyChecks()).toBeUndefined();
  });
});

describe('Slack adapter in Socket Mode with OAuth', () => {
  it('serves the install pages on the shared server and answers each workspace with its own token', async () => {
    world = await startSlackWorld({ slackMode: 'socket', slackInstall: 'oauth', keys: {} });
    const adapter = world.adapter('slack');
    expect(adapter.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /slack/install',
      'GET /slack/oauth_redirect',
    ]);
    const installed = await installSlackWorkspace(world, 'T0000001');
    expect(installed.status).toBe(200);
    expect(world.slack.installs.map((install) => install.teamId)).toEqual(['T0000001']);
    await world.services.keys.set('slack:T0000001', TEST_API_KEY, 'test');

    await world.socketMode.slashCommand({
      token: 'fake-verification-token',
      team_id: 'T0000001',
      channel_id: 'C_PUBLIC',
      user_id: 'U_MEMBER',
      user_name: 'max',
      command: '/skidio',
      text: 'status done-socket',
      api_app_id: 'A0000001',
      trigger_id: 'trigger-socket-oauth',
    });
    const completion = await world.slack.waitForCall('files.completeUploadExternal');
    expect(completion).toMatchObject({
      ok: true,
      authorization: 'present',
      args: { channel_id: 'C_PUBLIC' },
    });
    // Only the installed token was used: the fake's configured SLACK_BOT_TOKEN is not set in this mode.
    expect(
      world.slack.calls.every(
        (call) => call.authorization === 'present' || call.method === 'oauth.v2.access',
      ),
    ).toBe(true);
    expect(world.slack.tokenMismatches).toBe(0);
  });
});
