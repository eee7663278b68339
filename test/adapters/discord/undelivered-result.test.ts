// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID } from '../../fakes/discord/index.js';
import { isOriginalEditOf, startDiscordWorld, type World } from '../../support/bot-world.js';
import { storedWatches } from '../../support/stored-watches.js';
import { jobIdOption, loggedSecrets, waitForOriginalEdit } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

/** discord.js tries a request answered 5xx four times (its `retries: 3`) before it gives up. */
const DISCORD_TRIES = 4;
const serverError = { status: 500, json: { message: '500: Internal Server Error', code: 0 } };

describe('a result Discord will not take', () => {
  it('stays owed in the store after a lasting 5xx, and the next process posts it once', async () => {
    world = await startDiscordWorld({ simulator: { queueMs: 60_000 } });
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('never-5xx')] });
    await waitForOriginalEdit(world, payload, (content) => content.includes('queued'));
    world.discord.respondNext(
      { method: 'PATCH', path: /\/messages\/@original$/ },
      serverError,
      DISCORD_TRIES,
    );
    world.discord.respondNext(
      { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` },
      serverError,
      DISCORD_TRIES,
    );

    world.simulator.completeNow('never-5xx');
    await world.log.waitForMessage('final replies failed; they stay recorded and are tried again');
    const stored = await storedWatches(world.services.store);
    expect(stored).toMatchObject([{ jobId: 'never-5xx', askers: [{ finalAttempts: 1 }] }]);
    const owed = world.log
      .entries()
      .filter((entry) => entry.msg === 'a final reply was not delivered; it stays owed');
    expect(owed).toHaveLength(1);
    expect(
      world.discord.requests.filter((request) => request.files.length > 0 && request.status === 200),
    ).toEqual([]);

    expect(await world.restart()).toBe(1);
    const posted = await world.discord.waitForRequest(
      (request) => isOriginalEditOf(payload)(request) && request.files.length > 0 && request.status === 200,
    );
    expect(posted.files[0]?.bytes.equals(await world.simulator.imageBytes('never-5xx', 0))).toBe(true);
    await world.services.watcher.idle();
    expect(
      world.discord.requests.filter((request) => request.files.length > 0 && request.status === 200),
    ).toHaveLength(1);
    expect(await storedWatches(world.services.store)).toEqual([]);
  });
});
