import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_EVENTS_PATH } from '../../../src/adapters/slack/manifest.js';
import { createSlackAdapter } from '../../../src/adapters/slack/slack-adapter.js';
import { startWatches } from '../../../src/bot.js';
import { createMemoryWatchState } from '../../../src/core/watcher/memory-watch-state.js';
import { startHttpServer } from '../../../src/http-server.js';
import { sendSlashCommand, startFakeSlack } from '../../fakes/slack/index.js';
import { startBotStack, TEST_API_KEY } from '../../support/bot-stack.js';
import {
  BOT_TOKEN,
  SIGNING_SECRET,
  type SlackHarness,
  startSlackHarness,
  WORKSPACE,
} from './slack-harness.js';

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('Slack adapter lifecycle', () => {
  it('rejects start() with one clear error when Slack refuses the bot token', async () => {
    const attempt = startSlackHarness({ fake: { botToken: 'xoxb-the-right-one' } });
    await expect(attempt).rejects.toThrow('Slack refused SLACK_BOT_TOKEN (invalid_auth)');
    await expect(attempt).rejects.toMatchObject({ name: 'SlackStartError', code: 'slack_start_failed' });
  });

  it('rejects start() clearly when the Web API cannot be reached', async () => {
    const fake = await startFakeSlack();
    const deadUrl = fake.apiUrl;
    await fake.close();
    const stack = await startBotStack({
      env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: deadUrl },
    });
    try {
      const slack = stack.config.slack;
      if (!slack) throw new Error('Slack not configured');
      const adapter = createSlackAdapter(slack, {
        services: stack.services,
        logger: stack.log.logger,
        retryConfig: { retries: 0 },
      });
      expect(adapter.routes.map((route) => `${route.method} ${route.path}`)).toEqual([
        `POST ${SLACK_EVENTS_PATH}`,
      ]);
      const http = await startHttpServer({
        port: 0,
        host: '127.0.0.1',
        routes: adapter.routes,
        readiness: [],
        logger: stack.log.logger,
      });
      const early = await sendSlashCommand(
        `http://127.0.0.1:${http.port}${SLACK_EVENTS_PATH}`,
        SIGNING_SECRET,
        {
          text: 'help',
          user_id: 'U_MEMBER',
          channel_id: 'C_PUBLIC',
        },
      );
      await http.close();
      // Not started: Bolt could not authorize the request yet, so the route says "not yet".
      expect(early.status).toBe(503);
      await expect(adapter.start()).rejects.toThrow(
        `Could not check SLACK_BOT_TOKEN with the Slack Web API at ${deadUrl}`,
      );
      expect(adapter.isReady()).toBe(false);
      await adapter.stop();
    } finally {
      await stack.close();
    }
  });

  it('names an Enterprise Grid workspace by organization and team', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN', enterprise_id: 'E0000001' });
    await harness.fake.waitForCall('chat.postEphemeral');
    expect(await harness.stack.services.keys.describe('slack:E0000001:T0000001')).toBeDefined();
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();
  });

  it('resumes a stored Slack watch after a restart, and leaves other platforms alone', async () => {
    harness = await startSlackHarness({ startWatches: false });
    const address = { kind: 'slack', channelId: 'C_PUBLIC', userId: 'U_MEMBER', private: false };
    const key = { workspace: WORKSPACE, jobId: 'done-resumed' };
    const asker = (id: string, stored: unknown) => ({
      id,
      platform: 'slack',
      requesterId: 'U_MEMBER',
      mention: '<@U_MEMBER>',
      joinedAt: Date.now(),
      address: stored,
    });
    expect(
      harness.adapter.surfaceFor(asker('sub-2', { kind: 'console', command: 'x' }), key),
    ).toBeUndefined();

    // What an earlier process left in the store.
    const caps = { perWorkspace: 10, total: 10 };
    await createMemoryWatchState(harness.stack.services.store).join(
      key,
      asker('sub-1', address),
      caps,
      Date.now(),
    );
    expect(await startWatches(harness.stack.services, [harness.adapter])).toBe(1);
    const completion = await harness.fake.waitForCall('files.completeUploadExternal');
    expect(completion.args.channel_id).toBe('C_PUBLIC');
    expect(String(completion.args.initial_comment)).toContain('<@U_MEMBER>');
  });

  it('logs through the bot logger (Bolt included) and never prints a key, token or signing secret', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash('help', {}, { signature: 'v0=bad' });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    await harness.fake.waitForCall('chat.postEphemeral');
    await harness.slash('status done-1');
    await harness.fake.waitForCall('files.completeUploadExternal');
    await harness.slash('key set', { user_id: 'U_ADMIN' });
    await harness.fake.waitForCall('views.open');
    await harness.submitKey('U_ADMIN', `${TEST_API_KEY}-rotated`);
    await harness.fake.waitForCall('chat.postEphemeral', (call) => String(call.args.text).includes('ated'));

    const lines = harness.stack.log.lines;
    // Bolt's own warning about the bad signature came through our logger.
    expect(lines.some((line) => line.includes('Failed to parse and verify the request data'))).toBe(true);
    const all = lines.join('\n');
    for (const secret of [TEST_API_KEY, BOT_TOKEN, SIGNING_SECRET]) expect(all).not.toContain(secret);
    // Not even scrubbed: no line tried to print one.
    expect(all).not.toContain('[REDACTED]');
  });
});
