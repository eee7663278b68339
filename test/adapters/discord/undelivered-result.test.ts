// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID } from '../../fakes/discord/index.js';
import { storedWatches } from '../../support/stored-watches.js';
import {
  type DiscordHarness,
  isOriginalEditOf,
  jobIdOption,
  loggedSecrets,
  startDiscordHarness,
  waitForOriginalEdit,
} from './discord-harness.js';

let harness: DiscordHarness | undefined;
afterEach(async () => {
  if (harness) expect(loggedSecrets(harness)).toEqual([]);
  await harness?.close();
  harness = undefined;
});

/** discord.js tries a request answered 5xx four times (its `retries: 3`) before it gives up. */
const DISCORD_TRIES = 4;
const serverError = { status: 500, json: { message: '500: Internal Server Error', code: 0 } };

describe('a result Discord will not take', () => {
  it('stays owed in the store after a lasting 5xx, and the next process posts it once', async () => {
    harness = await startDiscordHarness({ simulator: { queueMs: 60_000 } });
    const payload = await harness.command({ subcommand: 'status', options: [jobIdOption('never-5xx')] });
    await waitForOriginalEdit(harness, payload, (content) => content.includes('queued'));
    harness.fake.respondNext({ method: 'PATCH', path: /\/messages\/@original$/ }, serverError, DISCORD_TRIES);
    harness.fake.respondNext(
      { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` },
      serverError,
      DISCORD_TRIES,
    );

    harness.stack.simulator.completeNow('never-5xx');
    await harness.stack.log.waitForMessage('final replies failed; they stay recorded and are tried again');
    const stored = await storedWatches(harness.services.store);
    expect(stored).toMatchObject([{ jobId: 'never-5xx', askers: [{ finalAttempts: 1 }] }]);
    const owed = harness.stack.log
      .entries()
      .filter((entry) => entry.msg === 'a final reply was not delivered; it stays owed');
    expect(owed).toHaveLength(1);
    expect(
      harness.fake.requests.filter((request) => request.files.length > 0 && request.status === 200),
    ).toEqual([]);

    expect(await harness.restart()).toBe(1);
    const posted = await harness.fake.waitForRequest(
      (request) => isOriginalEditOf(payload)(request) && request.files.length > 0 && request.status === 200,
    );
    expect(posted.files[0]?.bytes.equals(await harness.stack.simulator.imageBytes('never-5xx', 0))).toBe(
      true,
    );
    await harness.services.watcher.idle();
    expect(
      harness.fake.requests.filter((request) => request.files.length > 0 && request.status === 200),
    ).toHaveLength(1);
    expect(await storedWatches(harness.services.store)).toEqual([]);
  });
});
