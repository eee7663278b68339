import { afterEach, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../fakes/slack/index.js';
import { SIGNING_SECRET, startSlackWorld, type World } from '../../support/bot-world.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a slash command the bot does not handle', () => {
  it('is answered at once, privately, pointing to /skidio, and /skidio still works', async () => {
    const current = await startSlackWorld();
    world = current;
    const other = await sendSlashCommand(current.slackUrl, SIGNING_SECRET, {
      command: '/weather',
      text: 'tomorrow',
      user_id: 'U_MEMBER',
      channel_id: 'C_PUBLIC',
    });
    // Unhandled, Bolt answered 404 after 3 s and logged "not acknowledged" as if the bot had failed.
    expect(other.status).toBe(200);
    expect(other.json).toEqual({
      response_type: 'ephemeral',
      text: '⚠️ `/weather` is not one of mine: I answer `/skidio`. Try `/skidio help`.',
    });
    const help = await current.slackCommand('help');
    expect(help.status).toBe(200);
    expect(JSON.stringify(help.json ?? help.body)).not.toContain('not one of mine');
    expect(current.log.lines.some((line) => /not acknowledged/i.test(line))).toBe(false);
  });
});
