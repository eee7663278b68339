import { afterEach, describe, expect, it } from 'vitest';
import { type SlackHarness, startSlackHarness, textOf } from './slack-harness.js';

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('/skidio through Bolt', () => {
  it('answers bad, missing and stale signatures with 401 before anything runs', async () => {
    harness = await startSlackHarness();
    const h = harness;
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const answers = await Promise.all([
      h.slash('help', {}, { signature: 'v0=0123456789abcdef' }),
      h.slash('help', {}, { signature: null }),
      h.slash('help', {}, { timestamp: sixMinutesAgo }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(h.methods()).toEqual([]);
    expect(h.fake.responseUrlPosts).toEqual([]);
  });

  it('shows the help for an empty command, privately', async () => {
    harness = await startSlackHarness();
    const response = await harness.slash('');
    expect(response.status).toBe(200);
    const call = await harness.fake.waitForCall('chat.postEphemeral');
    expect(call.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
    expect(textOf(call)).toContain('/skidio status <job_id> [private]');
    expect(textOf(call)).toContain('/skidio key set [<key>]');
    expect(harness.fake.messages('C_PUBLIC')).toEqual([]);
  });

  it('answers text it does not understand with the usage in the ack, without any API call', async () => {
    harness = await startSlackHarness();
    const response = await harness.slash('frobnicate now');
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    const text = (response.json as { text: string }).text;
    expect(text).toContain("I don't know that command");
    expect(text).toContain('/skidio status <job_id> [private]');
    expect(harness.methods()).toEqual([]);
  });

  it('refuses an invalid job id privately, and nothing reaches the Skidio API', async () => {
    harness = await startSlackHarness();
    await harness.slash('status bad$id<@U_ADMIN>');
    const call = await harness.fake.waitForCall('chat.postEphemeral');
    expect(textOf(call)).toContain('That is not a valid job id');
    expect(textOf(call)).not.toContain('bad$id');
    expect(harness.stack.simulator.requests).toEqual([]);
    expect(harness.fake.messages('C_PUBLIC')).toEqual([]);
  });

  it('says privately that the workspace has no key, without asking the Skidio API', async () => {
    harness = await startSlackHarness({ withKey: false });
    await harness.slash('status done-1');
    const call = await harness.fake.waitForCall('chat.postEphemeral');
    expect(call.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
    expect(textOf(call)).toContain('no Skidio API key yet');
    expect(harness.stack.simulator.requests).toEqual([]);
  });

  it('tells the requester when the Skidio API has no such job', async () => {
    harness = await startSlackHarness();
    await harness.slash('status nosuchjob-1');
    const call = await harness.fake.waitForCall('chat.postEphemeral');
    expect(textOf(call)).toContain('Skidio has no job `nosuchjob-1`');
    expect(harness.stack.simulator.requests.length).toBeGreaterThan(0);
    expect(harness.fake.files('C_PUBLIC')).toEqual([]);
  });
});
