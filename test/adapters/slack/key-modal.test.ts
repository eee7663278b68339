import { afterEach, describe, expect, it } from 'vitest';
import { OTHER_API_KEY, TEST_API_KEY } from '../../support/bot-stack.js';
import { type SlackHarness, startSlackHarness, textOf, WORKSPACE } from './slack-harness.js';

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const MASKED = `••••${TEST_API_KEY.slice(-4)}`;

/** The stored record, raw, as the store holds it. */
async function storedRecord(h: SlackHarness): Promise<string> {
  return JSON.stringify((await h.stack.services.store.get(`apikey:${WORKSPACE}`)) ?? null);
}

describe('Slack key management', () => {
  it('stores a key given after `key set` for an admin, and answers with it masked', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    const answer = await harness.fake.waitForCall('chat.postEphemeral');
    expect(answer.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_ADMIN' });
    expect(textOf(answer)).toContain(MASKED);
    expect(textOf(answer)).not.toContain(TEST_API_KEY);
    expect(harness.methods()).toEqual(['users.info', 'chat.postEphemeral']);
    expect(await harness.stack.services.keys.get(WORKSPACE)).toBe(TEST_API_KEY);
    expect(await storedRecord(harness)).not.toContain(TEST_API_KEY);
    expect(harness.stack.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });

  it('opens an empty modal for `key set`, keeps it open for a bad key, then stores a good one', async () => {
    harness = await startSlackHarness();
    await harness.slash('key set', { user_id: 'U_ADMIN', trigger_id: 'trigger-42' });
    const opened = await harness.fake.waitForCall('views.open');
    expect(opened.args.trigger_id).toBe('trigger-42');
    const view = harness.fake.views[0]?.view;
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'skidio_key_set',
      private_metadata: 'C_PUBLIC',
    });
    expect(JSON.stringify(view)).not.toContain('initial_value');
    expect(JSON.stringify(view)).not.toContain(TEST_API_KEY.slice(-4));

    const bad = await harness.submitKey('U_ADMIN', 'short');
    expect(bad).toMatchObject({ status: 200, json: { response_action: 'errors' } });
    expect((bad.json as { errors: Record<string, string> }).errors.api_key).toContain('does not look like');

    const good = await harness.submitKey('U_ADMIN', OTHER_API_KEY);
    expect(good).toMatchObject({ status: 200, body: '' });
    const answer = await harness.fake.waitForCall('chat.postEphemeral');
    expect(answer.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_ADMIN' });
    expect(textOf(answer)).toContain(`••••${OTHER_API_KEY.slice(-4)}`);
    expect(await harness.stack.services.keys.get(WORKSPACE)).toBe(OTHER_API_KEY);
    const log = harness.stack.log.lines.join('\n');
    expect(log).not.toContain(OTHER_API_KEY);
    expect(log).not.toContain(TEST_API_KEY);
  });

  it('tells the admin when Slack will not open the modal (an expired trigger)', async () => {
    harness = await startSlackHarness();
    harness.fake.failNext('views.open', { error: 'expired_trigger_id' });
    await harness.slash('key set', { user_id: 'U_ADMIN' });
    const answer = await harness.fake.waitForCall('chat.postEphemeral');
    expect(textOf(answer)).toContain('I could not open the key form in time');
    expect(harness.fake.views).toEqual([]);
  });

  it('refuses `key set` to a non-admin without opening the modal', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash('key set', { user_id: 'U_MEMBER' });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_MEMBER' });
    await expect.poll(() => harness?.fake.ephemerals('C_PUBLIC').length).toBe(2);
    for (const refusal of harness.fake.ephemerals('C_PUBLIC')) {
      expect(refusal.text).toBe('🔒 Only workspace admins can manage the Skidio API key.');
    }
    expect(harness.methods()).not.toContain('views.open');
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();
  });

  it('checks the admin again when the modal is submitted', async () => {
    harness = await startSlackHarness({ withKey: false });
    const submitted = await harness.submitKey('U_MEMBER', TEST_API_KEY);
    expect(submitted.status).toBe(200);
    const refusal = await harness.fake.waitForCall('chat.postEphemeral');
    expect(textOf(refusal)).toContain('Only workspace admins');
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();
    expect(harness.stack.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });

  it('treats SLACK_ADMIN_USER_IDS as admins without asking users.info', async () => {
    harness = await startSlackHarness({ withKey: false, env: { SLACK_ADMIN_USER_IDS: 'U_OTHER, U_MEMBER' } });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_MEMBER' });
    const answer = await harness.fake.waitForCall('chat.postEphemeral');
    expect(textOf(answer)).toContain(MASKED);
    expect(harness.methods()).toEqual(['chat.postEphemeral']);
  });

  it('shows who set the key and clears it, for admins', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash(`key set ${TEST_API_KEY}`, { user_id: 'U_ADMIN' });
    await harness.fake.waitForCall('chat.postEphemeral');
    await harness.slash('key show', { user_id: 'U_ADMIN' });
    const shown = await harness.fake.waitForCall('chat.postEphemeral', (call) =>
      textOf(call).includes('set by'),
    );
    expect(textOf(shown)).toContain(MASKED);
    expect(textOf(shown)).toContain('set by <@U_ADMIN>');

    await harness.slash('key clear', { user_id: 'U_ADMIN' });
    const cleared = await harness.fake.waitForCall('chat.postEphemeral', (call) =>
      textOf(call).includes('Removed'),
    );
    expect(cleared.args.user).toBe('U_ADMIN');
    expect(await harness.stack.services.keys.describe(WORKSPACE)).toBeUndefined();
    expect(harness.stack.log.lines.join('\n')).not.toContain(TEST_API_KEY);
  });
});
