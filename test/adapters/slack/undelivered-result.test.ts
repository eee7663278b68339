import { afterEach, describe, expect, it } from 'vitest';
import { UPLOAD_URL } from '../../fakes/slack/index.js';
import { storedWatches } from '../../support/stored-watches.js';
import { type SlackHarness, startSlackHarness, textOf } from './slack-harness.js';

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('images Slack will not take', () => {
  it('tells the person once and keeps the result owed in the store for another try', async () => {
    // The harness's Web API client does not retry: one refused upload is a lasting failure here.
    harness = await startSlackHarness();
    harness.fake.failNext(UPLOAD_URL, { status: 500 });
    await harness.slash('status done-owed');
    const said = await harness.fake.waitForCall('chat.postMessage');
    expect(textOf(said)).toContain("I'll try again shortly");
    await harness.stack.log.waitForMessage('final replies failed; they stay recorded and are tried again');

    const stored = await storedWatches(harness.stack.services.store);
    expect(stored).toMatchObject([
      {
        jobId: 'done-owed',
        askers: [{ finalAttempts: 1, address: { kind: 'slack', channelId: 'C_PUBLIC' } }],
      },
    ]);
    expect(harness.fake.files('C_PUBLIC')).toEqual([]);
    expect(
      harness.stack.log
        .entries()
        .some((entry) => entry.msg === 'a final reply was not delivered; it stays owed'),
    ).toBe(true);
  });
});
