// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KEY_FORM_ID } from '../../src/adapters/discord/key-form.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type InteractionPayload,
  MANAGE_GUILD,
  modalSubmit,
  slashCommand,
} from '../fakes/discord/index.js';
import { sendSignedForm } from '../fakes/slack/index.js';
import {
  discordContent,
  isCallbackOf,
  SIGNING_SECRET,
  slackText,
  startWorld,
  type World,
} from '../support/bot-world.js';
import { collectProcessFaults } from './process-faults.js';

const faults = collectProcessFaults();
let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
  faults.stop();
});
afterEach(() => {
  expect(faults.describe()).toEqual([]);
});

/** Log lines written since `since`, parsed. */
function logsSince(since: number): Record<string, unknown>[] {
  return world.log.entries().slice(since);
}

describe('malformed Discord interactions', () => {
  const statusPayload = (jobId: string) =>
    slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      subcommand: 'status',
      options: [{ name: 'job_id', type: 3, value: jobId }],
    });
  // The fake sends any object; these are payloads real Discord never should, each missing one piece.
  type Mutable = Record<string, unknown> & InteractionPayload;
  const without = (payload: InteractionPayload, ...fields: string[]): InteractionPayload => {
    const copy: Mutable = structuredClone(payload) as Mutable;
    for (const field of fields) delete copy[field];
    return copy;
  };

  /** What the person was finally told: the immediate private reply, or the last edit of the deferred one. */
  async function answerOf(payload: InteractionPayload): Promise<{ text: string; privately: boolean }> {
    const callback = await world.discord.waitForRequest(isCallbackOf(payload));
    const json = callback.json as { type: number; data?: { flags?: number } };
    const privately = ((json.data?.flags ?? 0) & 64) !== 0;
    if (json.type === 4) return { text: discordContent(callback), privately };
    expect(json.type).toBe(5);
    return { text: discordContent(await world.discordFinal(payload)), privately };
  }

  const cases: Array<{
    name: string;
    payload: () => InteractionPayload;
    answer: RegExp;
    logged?: string;
    /** A public command is acknowledged publicly before its options are checked. */
    publicly?: boolean;
  }> = [
    {
      name: 'no member and no user (discord.js cannot build it)',
      payload: () => without(statusPayload('done-p1'), 'member', 'user'),
      answer: /couldn't read that command: Discord sent it incomplete/,
      logged: 'an interaction payload discord.js cannot read',
    },
    {
      name: 'no command data at all (discord.js cannot build it)',
      payload: () => without(statusPayload('done-p2'), 'data'),
      answer: /couldn't read that command: Discord sent it incomplete/,
      logged: 'an interaction payload discord.js cannot read',
    },
    {
      name: 'no guild (read as a DM)',
      payload: () => without(statusPayload('done-p3'), 'guild_id', 'guild'),
      answer: /work in servers only/,
    },
    {
      name: 'no channel',
      payload: () => without(statusPayload('done-p4'), 'channel', 'channel_id'),
      answer: /work in servers only/,
    },
    {
      name: 'no options (no subcommand)',
      payload: () => {
        const payload = statusPayload('done-p5');
        payload.data = { ...payload.data, options: undefined };
        return payload;
      },
      answer: /I don't know that command/,
    },
    {
      name: 'an unknown subcommand',
      payload: () =>
        slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, subcommand: 'frobnicate' }),
      answer: /I don't know that command/,
    },
    {
      name: 'a command name this bot does not register',
      payload: () =>
        slashCommand({
          guildId: DEFAULT_GUILD_ID,
          channelId: DEFAULT_CHANNEL_ID,
          subcommand: 'status',
          commandName: 'imagine',
        }),
      answer: /I don't know that command/,
    },
    {
      name: 'status without its job id',
      payload: () =>
        slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, subcommand: 'status' }),
      answer: /needs a job_id/,
      publicly: true,
    },
    {
      name: 'a job id of the wrong option type',
      payload: () =>
        slashCommand({
          guildId: DEFAULT_GUILD_ID,
          channelId: DEFAULT_CHANNEL_ID,
          subcommand: 'status',
          options: [{ name: 'job_id', type: 4, value: 42 }],
        }),
      answer: /Something went wrong on my side/,
      logged: 'an interaction could not be handled',
    },
    {
      name: 'a member without permissions asking for an admin command',
      payload: () => {
        const payload = slashCommand({
          guildId: DEFAULT_GUILD_ID,
          channelId: DEFAULT_CHANNEL_ID,
          group: 'key',
          subcommand: 'show',
        });
        delete (payload.member as Record<string, unknown>).permissions;
        return payload;
      },
      answer: /Only server admins/,
    },
    {
      name: 'a key form submitted without its field',
      payload: () =>
        modalSubmit({
          guildId: DEFAULT_GUILD_ID,
          channelId: DEFAULT_CHANNEL_ID,
          permissions: MANAGE_GUILD,
          customId: KEY_FORM_ID,
          fields: [],
        }),
      answer: /Something went wrong on my side/,
      logged: 'an interaction could not be handled',
    },
  ];

  it.each(cases)('$name: answered, never a crash', async ({ payload: build, answer, logged, publicly }) => {
    const since = world.log.lines.length;
    const payload = build();
    await world.discord.dispatchInteraction(payload);
    const told = await answerOf(payload);
    expect(told.text).toMatch(answer);
    expect(told.privately).toBe(!publicly);
    if (logged) expect(logsSince(since).map((entry) => entry.msg)).toContain(logged);
    // Nothing about these reached the Skidio API.
    expect(world.simulator.requests.filter((request) => /^done-p\d/.test(request.jobId ?? ''))).toEqual([]);
  });

  it('says what discord.js could not read, never the interaction token', async () => {
    const since = world.log.lines.length;
    const payload = without(statusPayload('done-p6'), 'member', 'user');
    await world.discord.dispatchInteraction(payload);
    await answerOf(payload);
    const warning = logsSince(since).find(
      (entry) => entry.msg === 'an interaction payload discord.js cannot read',
    );
    expect(warning).toMatchObject({ level: 40, missing: ['member.user or user'], interactionType: 2 });
    expect(world.log.lines.slice(since).join('\n')).not.toContain(payload.token);
  });

  it('a duplicate delivery of one interaction: answered once, never posted twice', async () => {
    const since = world.log.lines.length;
    const payload = statusPayload('done-duplicate');
    // The same interaction twice, as a gateway replay would deliver it.
    await Promise.all([
      world.discord.dispatchInteraction(payload),
      world.discord.dispatchInteraction(payload),
    ]);
    await world.discordFinal(payload);
    await world.bot.services.watcher.idle();
    const callbacks = world.discord.requests.filter(isCallbackOf(payload)).map((request) => request.status);
    expect(callbacks).toEqual([204]);
    const posts = world.discord.requests.filter(
      (request) => request.files.length > 0 && discordContent(request).includes('`done-duplicate`'),
    );
    expect(posts).toHaveLength(1);
    expect(
      logsSince(since).find((entry) => entry.msg === 'an interaction delivered again; answered once already'),
    ).toMatchObject({ interaction: payload.id });
  });

  it('a deferral Discord had taken before the client retried it (40060): the result still arrives', async () => {
    const payload = statusPayload('done-retried-ack');
    world.discord.respondNext(
      { method: 'POST', path: `/interactions/${payload.id}/${payload.token}/callback` },
      {
        status: 400,
        json: { code: 40060, message: 'Interaction has already been acknowledged.' },
        afterRoute: true,
      },
    );
    await world.discord.dispatchInteraction(payload);
    const final = await world.discordFinal(payload);
    expect(final.files).toHaveLength(1);
  });

  it('still serves a well-formed command afterwards', async () => {
    const payload = await world.discordStatus('done-after-discord');
    const result = await world.discordFinal(payload);
    expect(result.files).toHaveLength(1);
    expect(discordContent(result)).toContain('`done-after-discord`');
  });
});

describe('malformed Slack slash commands', () => {
  /** A signed slash command form with Slack's usual fields, `fields` overriding (undefined removes one). */
  function slashForm(fields: Record<string, string | undefined>): string {
    const form = new URLSearchParams();
    const all: Record<string, string | undefined> = {
      token: 'fake-verification-token',
      team_id: 'T0000001',
      team_domain: 'fake-workspace',
      channel_id: 'C_PUBLIC',
      channel_name: 'c_public',
      user_id: 'U_MEMBER',
      user_name: 'max',
      command: '/skidio',
      text: 'status done-s0',
      api_app_id: 'A0000001',
      is_enterprise_install: 'false',
      trigger_id: '1001.1.fake',
      ...fields,
    };
    for (const [name, value] of Object.entries(all)) if (value !== undefined) form.set(name, value);
    return form.toString();
  }

  const incomplete: Array<{ name: string; fields: Record<string, string | undefined>; missing: string[] }> = [
    {
      name: 'no user_id',
      fields: { user_id: undefined, text: 'key set sk-never-stored-0001' },
      missing: ['user_id'],
    },
    {
      name: 'no channel_id',
      fields: { channel_id: undefined, text: 'status done-s1' },
      missing: ['channel_id'],
    },
    { name: 'no team_id', fields: { team_id: undefined, text: 'status done-s2' }, missing: ['team_id'] },
    { name: 'an empty team_id', fields: { team_id: '', text: 'status done-s3' }, missing: ['team_id'] },
  ];

  it.each(incomplete)('$name: refused in the ack, logged, and nothing runs', async ({ fields, missing }) => {
    const since = world.log.lines.length;
    const calls = world.slack.calls.length;
    const answer = await sendSignedForm(world.slackUrl, SIGNING_SECRET, slashForm(fields));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ response_type: 'ephemeral' });
    expect((answer.json as { text: string }).text).toMatch(/without its workspace, channel or user/);
    expect(
      logsSince(since).find((entry) => entry.msg === 'slash command without the ids it needs; refused'),
    ).toMatchObject({ missing });
    expect(world.slack.calls.slice(calls)).toEqual([]);
    expect(world.simulator.requests.filter((request) => /^done-s\d/.test(request.jobId ?? ''))).toEqual([]);
  });

  it('never stores a key for a workspace it could not tell', async () => {
    expect(await world.bot.services.keys.describe('slack:undefined')).toBeUndefined();
    expect(world.log.lines.join('\n')).not.toContain('sk-never-stored-0001');
  });

  const odd: Array<{ name: string; text: string | undefined; said: RegExp; where: 'ack' | 'ephemeral' }> = [
    { name: 'no text field at all', text: undefined, said: /\/skidio status <job_id>/, where: 'ephemeral' },
    { name: 'only whitespace', text: ' \n\t ', said: /\/skidio status <job_id>/, where: 'ephemeral' },
    {
      name: 'control characters and a channel ping',
      text: 'status \u0000\u202e<!channel>',
      said: /not a valid job id/,
      where: 'ephemeral',
    },
    { name: '10 KB of text', text: `status ${'x'.repeat(10_240)}`, said: /too long/, where: 'ack' },
    { name: 'only emoji', text: '👩‍👩‍👧‍👦 ∑ 𝔘', said: /I don't know that command/, where: 'ack' },
    { name: 'two job ids', text: 'status done-s4 done-s5', said: /Too many words/, where: 'ack' },
    {
      name: 'an injection attempt',
      text: "status x';DROP/**/TABLE/**/keys;--",
      said: /not a valid job id/,
      where: 'ephemeral',
    },
  ];

  it.each(odd)('$name: answered privately, never echoed, never a crash', async ({ text, said, where }) => {
    const calls = world.slack.calls.length;
    const answer = await sendSignedForm(world.slackUrl, SIGNING_SECRET, slashForm({ text }));
    expect(answer.status).toBe(200);
    if (where === 'ack') {
      expect(answer.json).toMatchObject({ response_type: 'ephemeral' });
      expect((answer.json as { text: string }).text).toMatch(said);
    } else {
      const note = await world.slack.waitForCall(
        'chat.postEphemeral',
        (call) => world.slack.calls.indexOf(call) >= calls,
      );
      expect(note.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER' });
      expect(slackText(note)).toMatch(said);
      expect(slackText(note)).not.toContain('<!channel>');
    }
    expect(world.slack.messages('C_PUBLIC')).toEqual([]);
  });

  it('a request Bolt cannot route (no command) is logged by Bolt and answered 404, not a crash', async () => {
    const since = world.log.lines.length;
    const answer = await sendSignedForm(world.slackUrl, SIGNING_SECRET, slashForm({ command: undefined }));
    expect(answer.status).toBe(404);
    expect(logsSince(since).map((entry) => entry.msg)).toContain(
      'Could not determine the type of an incoming event. No listeners will be called.',
    );
  });

  it('still serves a well-formed command afterwards', async () => {
    const since = world.slack.calls.length;
    expect((await world.slackCommand('status done-after-slack')).status).toBe(200);
    const shared = await world.slackFinal(since);
    expect(shared.method).toBe('files.completeUploadExternal');
    expect(slackText(shared)).toContain('`done-after-slack`');
  });
});
