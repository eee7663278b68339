import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryWatchState } from '../../../src/core/watcher/memory-watch-state.js';
import { sendSlashCommand } from '../../fakes/slack/index.js';
import {
  freePort,
  SIGNING_SECRET,
  SLACK_TOKEN,
  SLACK_WORKSPACE,
  startSlackWorld,
  TEST_API_KEY,
  type World,
} from '../../support/bot-world.js';
import { startHoldingProxy } from '../../support/holding-proxy.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Slack adapter lifecycle', () => {
  it('rejects start() with one clear error when Slack refuses the bot token', async () => {
    const attempt = startSlackWorld({ slackFake: { botToken: 'xoxb-the-right-one' } });
    await expect(attempt).rejects.toThrow('Slack refused SLACK_BOT_TOKEN (invalid_auth)');
    await expect(attempt).rejects.toMatchObject({ name: 'SlackStartError', code: 'slack_start_failed' });
  });

  it('rejects start() clearly when the Web API cannot be reached', async () => {
    // The Web API is a closed port behind a proxy that holds auth.test: the bot is starting, not yet ready.
    const proxy = await startHoldingProxy(`http://127.0.0.1:${await freePort()}`);
    const deadUrl = `${proxy.url}/api/`;
    try {
      const checking = proxy.hold('/auth.test');
      world = await startSlackWorld({ start: false, env: { SLACK_API_URL: deadUrl } });
      const starting = world.start();
      starting.catch(() => {});
      await checking.arrived;
      const early = await sendSlashCommand(world.slackUrl, SIGNING_SECRET, {
        text: 'help',
        user_id: 'U_MEMBER',
        channel_id: 'C_PUBLIC',
      });
      // Not started: Bolt could not authorize the request yet, so the route says "not yet" (not 404: it is there).
      expect(early.status).toBe(503);
      checking.release();
      await expect(starting).rejects.toThrow(
        `Could not check SLACK_BOT_TOKEN with the Slack Web API at ${deadUrl}`,
      );
      // startBot rejected with the adapter's error: nothing is left answering, let alone ready.
      expect(await world.readyChecks()).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  it('names an Enterprise Grid workspace by organization and team', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN', enterprise_id: 'E0000001' });
    await world.slack.waitForCall('chat.postEphemeral');
    expect(await world.services.keys.describe('slack:E0000001:T0000001')).toBeDefined();
    expect(await world.services.keys.describe(SLACK_WORKSPACE)).toBeUndefined();
  });

  it('resumes a stored Slack watch after a restart, and leaves other platforms alone', async () => {
    const address = { kind: 'slack', channelId: 'C_PUBLIC', userId: 'U_MEMBER', private: false };
    const key = { workspace: SLACK_WORKSPACE, jobId: 'done-resumed' };
    const asker = (id: string, stored: unknown) => ({
      id,
      platform: 'slack',
      requesterId: 'U_MEMBER',
      mention: '<@U_MEMBER>',
      joinedAt: Date.now(),
      address: stored,
    });
    // What an earlier process left in the store.
    const caps = { perWorkspace: 10, total: 10 };
    world = await startSlackWorld({
      start: false,
      seed: async (store) => {
        await createMemoryWatchState(store).join(key, asker('sub-1', address), caps, Date.now());
      },
    });
    await world.start();
    expect(
      world.adapter('slack').surfaceFor(asker('sub-2', { kind: 'console', command: 'x' }), key),
    ).toBeUndefined();
    expect(world.bot.resumedWatches).toBe(1);
    const completion = await world.slack.waitForCall('files.completeUploadExternal');
    expect(completion.args.channel_id).toBe('C_PUBLIC');
    expect(String(completion.args.initial_comment)).toContain('<@U_MEMBER>');
  });

  it('logs through the bot logger (Bolt included) and never prints a key, token or signing secret', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand('help', {}, { signature: 'v0=bad' });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    await world.slack.waitForCall('chat.postEphemeral');
    await world.slackCommand('status done-1');
    await world.slack.waitForCall('files.completeUploadExternal');
    await world.slackCommand('key set', { user_id: 'U_ADMIN' });
    await world.slack.waitForCall('views.open');
    await world.slackSubmitKey('U_ADMIN', `${TEST_API_KEY}-rotated`);
    await world.slack.waitForCall('chat.postEphemeral', (call) => String(call.args.text).includes('ated'));

    const lines = world.log.lines;
    // Bolt's own warning about the bad signature came through our logger.
    expect(lines.some((line) => line.includes('Failed to parse and verify the request data'))).toBe(true);
    const all = lines.join('\n');
    for (const secret of [TEST_API_KEY, SLACK_TOKEN, SIGNING_SECRET]) expect(all).not.toContain(secret);
    // Not even scrubbed: no line tried to print one.
    expect(all).not.toContain('[REDACTED]');
  });
});
