import { afterEach, describe, expect, it } from 'vitest';
import { UPLOAD_URL } from '../../fakes/slack/index.js';
import { startSlackWorld, type World } from '../../support/bot-world.js';
import { storedWatches } from '../../support/stored-watches.js';
import { textOf } from './slack-calls.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('images Slack will not take', () => {
  it('tells the person once and keeps the result owed in the store for another try', async () => {
    // The world's Web API client does not retry: one refused upload is a lasting failure here.
    world = await startSlackWorld();
    world.slack.failNext(UPLOAD_URL, { status: 500 });
    await world.slackCommand('status done-owed');
    const said = await world.slack.waitForCall('chat.postMessage');
    expect(textOf(said)).toContain("I'll try again shortly");
    await world.log.waitForMessage('final replies failed; they stay recorded and are tried again');

    const stored = await storedWatches(world.services.store);
    expect(stored).toMatchObject([
      {
        jobId: 'done-owed',
        askers: [{ finalAttempts: 1, address: { kind: 'slack', channelId: 'C_PUBLIC' } }],
      },
    ]);
    expect(world.slack.files('C_PUBLIC')).toEqual([]);
    expect(
      world.log.entries().some((entry) => entry.msg === 'a final reply was not delivered; it stays owed'),
    ).toBe(true);
  });
});
