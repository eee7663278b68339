import { afterEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../../src/adapters/slack/slack-adapter.js';
import { startWatches } from '../../../src/bot.js';
import { configSecrets } from '../../../src/config.js';
import { type FakeSlack, startFakeSlack } from '../../fakes/slack/index.js';
import { type FakeSocketMode, startFakeSocketMode } from '../../fakes/slack/socket-mode.js';
import { type BotStack, startBotStack, TEST_API_KEY } from '../../support/bot-stack.js';
import { BOT_TOKEN, WORKSPACE } from './slack-harness.js';

const APP_TOKEN = 'xapp-1-test-app-token-77';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSocketMode(appToken: string): Promise<{
  fake: FakeSlack;
  front: FakeSocketMode;
  stack: BotStack;
  adapter: SlackAdapter;
}> {
  const fake = await startFakeSlack({ botToken: BOT_TOKEN });
  cleanups.push(() => fake.close());
  const front = await startFakeSocketMode(fake, APP_TOKEN);
  cleanups.push(() => front.close());
  const stack = await startBotStack({
    env: { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: appToken, SLACK_API_URL: front.apiUrl },
  });
  cleanups.push(() => stack.close());
  for (const secret of configSecrets(stack.config)) stack.log.secrets.add(secret);
  const slack = stack.config.slack;
  if (!slack) throw new Error('Slack not configured');
  const adapter = createSlackAdapter(slack, {
    services: stack.services,
    logger: stack.log.logger,
    retryConfig: { retries: 0 },
  });
  cleanups.push(() => adapter.stop());
  return { fake, front, stack, adapter };
}

describe('Slack adapter in Socket Mode', () => {
  it('connects without an HTTP route and runs /skidio over the socket', async () => {
    const { fake, front, stack, adapter } = await startSocketMode(APP_TOKEN);
    expect(adapter.routes).toEqual([]);
    await stack.services.keys.set(WORKSPACE, TEST_API_KEY, 'test');
    await adapter.start();
    await startWatches(stack.services, [adapter]);
    expect(adapter.isReady()).toBe(true);

    const ack = await front.slashCommand({
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
    const completion = await fake.waitForCall('files.completeUploadExternal');
    expect(completion.args.channel_id).toBe('C_PUBLIC');
    const upload = await fake.waitForUpload();
    expect(upload.bytes.equals(await stack.simulator.imageBytes('done-1', 0))).toBe(true);

    await adapter.stop();
    expect(adapter.isReady()).toBe(false);
    expect(stack.log.lines.join('\n')).not.toContain(APP_TOKEN);
  });

  it('rejects start() with one clear error when Slack refuses the app token', async () => {
    const { adapter } = await startSocketMode('xapp-1-not-the-right-one');
    await expect(adapter.start()).rejects.toThrow('Slack refused SLACK_APP_TOKEN (invalid_auth)');
    expect(adapter.isReady()).toBe(false);
  });
});
