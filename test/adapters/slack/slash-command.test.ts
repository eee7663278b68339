import { afterEach, describe, expect, it } from 'vitest';
import { startSlackWorld, type World } from '../../support/bot-world.js';
import { textOf } from './slack-calls.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('/skidio through Bolt', () => {
  it('answers bad, missing and stale signatures with 401 before anything runs', async () => {
    world = await startSlackWorld();
    const h = world;
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    const answers = await Promise.all([
      h.slackCommand('help', {}, { signature: 'v0=0123456789abcdef' }),
      h.slackCommand('help', {}, { signature: null }),
      h.slackCommand('help', {}, { timestamp: sixMinutesAgo }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401]);
    expect(h.slackMethods()).toEqual([]);
    expect(h.slack.responseUrlPosts).toEqual([]);
  });

  it('shows the help for an empty command, privately', async () => {
    world = await startSlackWorld();
    const response = await world.slackCommand('');
    expect(response.status).toBe(200);
    const call = await world.slack.waitForCall('chat.postEphemeral');
    expect(call.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
    expect(textOf(call)).toContain('/skidio status <job_id> [private]');
    expect(textOf(call)).toContain('/skidio key set [<key>]');
    expect(world.slack.messages('C_PUBLIC')).toEqual([]);
  });

  it('answers text it does not understand with the usage in the ack, without any API call', async () => {
    world = await startSlackWorld();
    const response = await world.slackCommand('frobnicate now');
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ response_type: 'ephemeral' });
    const text = (response.json as { text: string }).text;
    expect(text).toContain("I don't know that command");
    expect(text).toContain('/skidio status <job_id> [private]');
    expect(world.slackMethods()).toEqual([]);
  });

  it('refuses an invalid job id privately, and nothing reaches the Skidio API', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status bad$id<@U_ADMIN>');
    const call = await world.slack.waitForCall('chat.postEphemeral');
    expect(textOf(call)).toContain('That is not a valid job id');
    expect(textOf(call)).not.toContain('bad$id');
    expect(world.simulator.requests).toEqual([]);
    expect(world.slack.messages('C_PUBLIC')).toEqual([]);
  });

  it('says privately that the workspace has no key, without asking the Skidio API', async () => {
    world = await startSlackWorld({ keys: {} });
    await world.slackCommand('status done-1');
    const call = await world.slack.waitForCall('chat.postEphemeral');
    expect(call.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
    expect(textOf(call)).toContain('no Skidio API key yet');
    expect(world.simulator.requests).toEqual([]);
  });

  it('tells the requester when the Skidio API has no such job', async () => {
    world = await startSlackWorld();
    await world.slackCommand('status nosuchjob-1');
    const call = await world.slack.waitForCall('chat.postEphemeral');
    expect(textOf(call)).toContain('Skidio has no job `nosuchjob-1`');
    expect(world.simulator.requests.length).toBeGreaterThan(0);
    expect(world.slack.files('C_PUBLIC')).toEqual([]);
  });
});
