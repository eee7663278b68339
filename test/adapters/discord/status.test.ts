// The app's undici (v7) loads first, as in production: it then owns the process-wide default dispatcher,
// which breaks discord.js uploads unless the adapter gives discord.js its own agent.
import 'undici';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_ID, DEFAULT_USER, slashCommand } from '../../fakes/discord/index.js';
import { isCallbackOf, isOriginalEditOf, startDiscordWorld, type World } from '../../support/bot-world.js';
import {
  contentOf,
  isFollowUpOf,
  jobIdOption,
  loggedSecrets,
  privateOption,
  USER_MENTION,
  waitForOriginalEdit,
} from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

const status = (jobId: string, extra: { private?: boolean } = {}) => ({
  subcommand: 'status',
  options: [jobIdOption(jobId), ...(extra.private ? [privateOption] : [])],
});

describe('/skidio status on Discord', () => {
  it('defers at once, then edits the reply with the image bytes the API served, naming the job and the requester', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('done-1'));

    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    expect(callback.json).toMatchObject({ type: 5 });
    expect(((callback.json as { data?: { flags?: number } }).data?.flags ?? 0) & 64).toBe(0);

    const result = await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    const expected = await world.simulator.imageBytes('done-1', 0);
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ filename: 'done-1-1.png', contentType: 'image/png' });
    expect(result.files[0]?.bytes.equals(expected)).toBe(true);
    expect(contentOf(result)).toContain(USER_MENTION);
    expect(contentOf(result)).toContain('`done-1`');
    expect(result.json).toMatchObject({ allowed_mentions: { parse: [], users: [DEFAULT_USER.id] } });
    // The reply in the channel is public (no ephemeral flag) and carries the attachment.
    const [reply] = world.discord.channelMessages(DEFAULT_CHANNEL_ID);
    expect(reply?.flags).toBe(0);
    expect(reply?.attachments).toHaveLength(1);
  });

  it('edits the reply once per status change, queued then running, with the elapsed time, then posts the image', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('demo-x'));
    await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);

    const edits = world.discord.requests.filter(isOriginalEditOf(payload));
    expect(edits.map(contentOf)).toEqual([
      expect.stringMatching(/^⏳ Job `demo-x` is queued \(\d+ s\)\.$/),
      expect.stringMatching(/^🎨 Job `demo-x` is running \(\d+ s\)\.$/),
      expect.stringContaining(`✅ Job \`demo-x\` is done: 1 image, requested by ${USER_MENTION}.`),
    ]);
    const expected = await world.simulator.imageBytes('demo-x', 0);
    expect(edits[2]?.files[0]?.bytes.equals(expected)).toBe(true);
  });

  it('says clearly when the job failed', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('fail-1'));
    const edit = await waitForOriginalEdit(world, payload, (content) => content.startsWith('❌'));
    expect(contentOf(edit)).toBe('❌ Job `fail-1` failed: NSFW content detected');
  });

  it('says when Skidio has no such job', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('nosuchjob'));
    const edit = await waitForOriginalEdit(world, payload, (content) => content.startsWith('🔍'));
    expect(contentOf(edit)).toContain('Skidio has no job `nosuchjob`');
  });

  it('tells a server without a key how to set one', async () => {
    world = await startDiscordWorld({ keys: {} });
    const payload = await world.discordCommand(status('done-1'));
    const edit = await waitForOriginalEdit(world, payload, (content) => content.startsWith('🔑'));
    expect(contentOf(edit)).toContain('`/skidio key set`');
    expect(world.simulator.requests).toEqual([]);
  });

  it('refuses an invalid job id without calling the API, and without echoing it', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('<@&123> nope'));
    const edit = await waitForOriginalEdit(world, payload, (content) => content.startsWith('⚠️'));
    expect(contentOf(edit)).toContain('not a valid job id');
    expect(contentOf(edit)).not.toContain('nope');
    expect(world.simulator.requests).toEqual([]);
  });

  it('keeps a private check private: ephemeral deferral, progress and result', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('done-2', { private: true }));
    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    expect(callback.json).toMatchObject({ type: 5, data: { flags: 64 } });
    await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    const [reply] = world.discord.channelMessages(DEFAULT_CHANNEL_ID);
    expect(reply?.flags).toBe(64);
    expect(reply?.attachments[0]?.ephemeral).toBe(true);
  });

  it('posts 12 images as 10 in the reply and 2 in a follow-up, each byte-identical', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('batch12-x'));
    const followUp = await world.discord.waitForRequest(
      (request) => isFollowUpOf(payload)(request) && request.files.length > 0,
    );
    const first = world.discord.requests.find(
      (request) => isOriginalEditOf(payload)(request) && request.files.length > 0,
    );
    expect(first?.files.map((file) => file.filename)).toEqual(
      Array.from({ length: 10 }, (_, index) => `batch12-x-${index + 1}.png`),
    );
    expect(followUp.files.map((file) => file.filename)).toEqual(['batch12-x-11.png', 'batch12-x-12.png']);
    expect(contentOf(followUp)).toContain('images 11–12 of 12');
    const uploads = [...(first?.files ?? []), ...followUp.files];
    for (const [index, file] of uploads.entries()) {
      expect(file.bytes.equals(await world.simulator.imageBytes('batch12-x', index))).toBe(true);
    }
    // A follow-up of a public reply is public too.
    expect((followUp.json as { flags?: number }).flags ?? 0).toBe(0);
  });

  it('shows help privately', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand({ subcommand: 'help' });
    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    expect(callback.json).toMatchObject({ type: 5, data: { flags: 64 } });
    const edit = await waitForOriginalEdit(world, payload, (content) => content.includes('/skidio status'));
    expect(contentOf(edit)).toContain('/skidio key set');
  });

  it('answers in a DM, privately and at once, that commands work in servers', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordSend(
      slashCommand({ channelId: '3000000000000000099', subcommand: 'help' }),
    );
    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    expect(callback.json).toMatchObject({ type: 4, data: { flags: 64 } });
    expect((callback.json as { data: { content: string } }).data.content).toContain('servers only');
    expect(world.simulator.requests).toEqual([]);
  });

  it('uploads with the app’s undici 7 already in use (the agent workaround), a real PNG', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand(status('done-3'));
    const result = await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    expect((await sharp(result.files[0]?.bytes).metadata()).format).toBe('png');
  });
});
