// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startDiscordWorld, type World } from '../../support/bot-world.js';
import { jobIdOption, loggedSecrets, waitForOriginalEdit } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

/** The rate-limit waits discord.js announced, as the adapter logs them. */
function rateLimitWaits(target: World): Array<{ rest?: string; global?: boolean; route?: string }> {
  return target.log
    .entries()
    .filter((line) => line.msg === 'Discord rate limit: discord.js waits, then retries') as Array<{
    rest?: string;
    global?: boolean;
    route?: string;
  }>;
}

describe('interaction replies on Discord', () => {
  it('are not held by the client-side global budget, which Discord does not apply to interaction routes', async () => {
    // The bot's own REST gets a budget of 2 requests a second, so any interaction edit counted against it
    // would wait: 12 people each get a progress line and a result edit, 24 edits in well under a second.
    const crowd = await startDiscordWorld({
      env: { RATE_LIMIT_USER_PER_MINUTE: '0', RATE_LIMIT_WORKSPACE_PER_MINUTE: '0' },
      adapterOptions: { discord: { clientOptions: { rest: { globalRequestsPerSecond: 2 } } } },
    });
    world = crowd;
    const payloads = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        crowd.discordCommand({ subcommand: 'status', options: [jobIdOption(`done-${index}`)] }),
      ),
    );
    for (const payload of payloads) {
      await waitForOriginalEdit(crowd, payload, (_content, request) => request.files.length > 0);
    }

    const waits = rateLimitWaits(crowd);
    expect(waits.filter((wait) => wait.global)).toEqual([]);
    // Whatever waited did so on a route whose token is masked: the token is a credential.
    for (const wait of waits) expect(wait.route ?? '').not.toMatch(/\/webhooks\/\d+\/(?!:token)/);
  });
});
