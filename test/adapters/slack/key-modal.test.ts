import { afterEach, describe, expect, it } from 'vitest';
import {
  OTHER_API_KEY,
  SLACK_WORKSPACE,
  startSlackWorld,
  TEST_API_KEY,
  type World,
} from '../../support/bot-world.js';
import { textOf } from './slack-calls.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const MASKED = `••••${TEST_API_KEY.slice(-4)}`;

/** The stored record, raw, as the store holds it. */
async function storedRecord(h: World): Promise<string> {
  return JSON.stringify((await h.services.store.get(`apikey:${SLACK_WORKSPACE}`)) ?? null);
}

describe('Slack key management', () => {
  it('stores a key given after `key set` for an admin, and answers with it masked', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    const answer = await world.slack.waitForCall('chat.postEphemeral');
    expect(answer.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_ADMIN' });
    expect(textOf(answer)).toContain(MASKED);
    expect(textOf(answer)).not.toContain(TEST_API_KEY);
    expect(world.slackMethods()).toEqual(['users.info', 'chat.postEphemeral']);
    expect(await world.services.keys.get(SLACK_WORKSPACE)).toBe(TEST_API_KEY);
    expect(await storedRecord(world)).not.toContain(TEST_API_KEY);
    expect(world.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });

  it('opens an empty modal for `key set`, keeps it open for a bad key, then stores a good one', async () => {
    world = await startSlackWorld();
    await world.slackCommand('key set', { user_id: 'U_ADMIN', trigger_id: 'trigger-42' });
    const opened = await world.slack.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe('trigger-42');
    const view = world.slack.views[0]?.view;
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'skidio_key_set',
      private_metadata: 'C_PUBLIC',
    });
    expect(JSON.stringify(view)).not.toContain('initial_value');
    expect(JSON.stringify(view)).not.toContain(TEST_API_KEY.slice(-4));

    const bad = await world.slackSubmitKey('U_ADMIN', 'short');
    expect(bad).toMatchObject({ status: 200, json: { response_action: 'errors' } });
    expect((bad.json as { errors: Record<string, string> }).errors.api_key).toContain('does not look like');

    const good = await world.slackSubmitKey('U_ADMIN', OTHER_API_KEY);
    expect(good).toMatchObject({ status: 200, body: '' });
    const answer = await world.slack.waitForCall('chat.postEphemeral');
    expect(answer.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_ADMIN' });
    expect(textOf(answer)).toContain(`••••${OTHER_API_KEY.slice(-4)}`);
    expect(await world.services.keys.get(SLACK_WORKSPACE)).toBe(OTHER_API_KEY);
    const log = world.log.lines.join('\n');
    expect(log).not.toContain(OTHER_API_KEY);
    expect(log).not.toContain(TEST_API_KEY);
  });

  it('tells the admin when Slack will not open the modal (an expired trigger)', async () => {
    world = await startSlackWorld();
    world.slack.failNext('views.open', { error: 'expired_trigger_id' });
    await world.slackCommand('key set', { user_id: 'U_ADMIN' });
    const answer = await world.slack.waitForCall('chat.postEphemeral');
    expect(textOf(answer)).toContain('I could not open the key form in time');
    expect(world.slack.views).toEqual([]);
  });

  it('refuses `key set` to a non-admin without opening the modal', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand('key set', { user_id: 'U_MEMBER' });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_MEMBER' });
    await expect.poll(() => world?.slack.ephemerals('C_PUBLIC').length).toBe(2);
    for (const refusal of world.slack.ephemerals('C_PUBLIC')) {
      expect(refusal.text).toBe('🔒 Only workspace admins can manage the Skidio API key.');
    }
    expect(world.slackMethods()).not.toContain('views.open');
    expect(await world.services.keys.describe(SLACK_WORKSPACE)).toBeUndefined();
  });

  it('checks the admin again when the modal is submitted', async () => {
    world = await startSlackWorld({ keys: {} });
    const submitted = await world.slackSubmitKey('U_MEMBER', TEST_API_KEY);
    expect(submitted.status).toBe(200);
    const refusal = await world.slack.waitForCall('chat.postEphemeral');
    expect(textOf(refusal)).toContain('Only workspace admins');
    expect(await world.services.keys.describe(SLACK_WORKSPACE)).toBeUndefined();
    expect(world.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });

  it('treats SLACK_ADMIN_USER_IDS as admins without asking users.info', async () => {
    world = await startSlackWorld({ keys: {}, env: { SLACK_ADMIN_USER_IDS: 'U_OTHER, U_MEMBER' } });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_MEMBER' });
    const answer = await world.slack.waitForCall('chat.postEphemeral');
    expect(textOf(answer)).toContain(MASKED);
    expect(world.slackMethods()).toEqual(['chat.postEphemeral']);
  });

  it('shows who set the key and clears it, for admins', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    await world.slack.waitForCall('chat.postEphemeral');
    await world.slackCommand('key show', { user_id: 'U_ADMIN' });
    const shown = await world.slack.waitForCall('chat.postEphemeral', (call) =>
      textOf(call).includes('set by'),
    );
    expect(textOf(shown)).toContain(MASKED);
    expect(textOf(shown)).toContain('set by <@U_ADMIN>');

    await world.slackCommand('key clear', { user_id: 'U_ADMIN' });
    const cleared = await world.slack.waitForCall('chat.postEphemeral', (call) =>
      textOf(call).includes('Removed'),
    );
    expect(cleared.args.user).toBe('U_ADMIN');
    expect(await world.services.keys.describe(SLACK_WORKSPACE)).toBeUndefined();
    expect(world.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });
});
