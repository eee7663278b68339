// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createConsoleAdapter } from '../../src/adapters/console/console-adapter.js';
import { KEY_FORM_ID, KEY_INPUT_ID } from '../../src/adapters/discord/key-form.js';
import { startBot } from '../../src/bot.js';
import {
  buttonClick,
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type InteractionPayload,
  MANAGE_GUILD,
  modalSubmit,
  slashCommand,
} from '../fakes/discord/index.js';
import {
  type AppResponse,
  sendAppUninstalled,
  sendInteraction,
  viewSubmission,
} from '../fakes/slack/index.js';
import {
  DISCORD_TOKEN,
  discordContent,
  isCallbackOf,
  SIGNING_SECRET,
  SLACK_CLIENT_SECRET,
  SLACK_STATE_SECRET,
  SLACK_TOKEN,
  slackText,
  startSlackWorld,
  startWorld,
  TEST_ENCRYPTION_SECRET,
  type World,
} from '../support/bot-world.js';
import { installSlackWorkspace } from '../support/slack-install.js';
import { collectProcessFaults } from './process-faults.js';

/** One known API key per platform, set through each platform's own key flow. */
const DISCORD_KEY = 'sk-discord-secret-flow-1a2b3c4d';
const SLACK_KEY = 'sk-slack-secret-flow-5e6f7a8b';
const SLACK_MODAL_KEY = 'sk-slack-modal-secret-9c0d1e2f';
const CONSOLE_KEY = 'sk-console-secret-flow-3a4b5c6d';
const SECRETS = {
  DISCORD_KEY,
  SLACK_KEY,
  SLACK_MODAL_KEY,
  CONSOLE_KEY,
  DISCORD_TOKEN,
  SLACK_TOKEN,
  SIGNING_SECRET,
  KEY_ENCRYPTION_SECRET: TEST_ENCRYPTION_SECRET,
};

/** The names of the secrets `text` contains. */
function leaked(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
}

/** Everything an error carries: message, stack, own fields, and its causes, as text. */
function errorText(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  const fields = JSON.stringify(error, Object.getOwnPropertyNames(error));
  return [String(error), error.stack ?? '', fields, errorText(error.cause, depth + 1)].join('\n');
}

/** Every byte the store wrote: the SQLite file and any journal beside it (`bot.sqlite-wal`, …). */
async function storeBytes(storeDir: string): Promise<string> {
  const files = (await readdir(storeDir)).filter((file) => file.startsWith('bot.sqlite'));
  const contents = await Promise.all(files.map((file) => readFile(join(storeDir, file))));
  return Buffer.concat(contents).toString('latin1');
}

const faults = collectProcessFaults();
let world: World | undefined;
let oauthWorld: World | undefined;
afterAll(async () => {
  await world?.close();
  await oauthWorld?.close();
  faults.stop();
});

const admin = { id: '4000000000000000002', username: 'admin' };

describe('secrets never leak', () => {
  it('runs every flow on Discord, Slack and the console with known secrets; none appears anywhere', async () => {
    world = await startWorld({ apiKeys: [DISCORD_KEY, SLACK_KEY, SLACK_MODAL_KEY, CONSOLE_KEY], keys: {} });
    const current = world;
    const replies: string[] = [];
    const thrown: unknown[] = [];

    // --- Discord: the key form, key show, status complete / failed / unknown job / unknown state, key clear.
    async function discordReply(payload: InteractionPayload): Promise<string> {
      await current.discord.dispatchInteraction(payload);
      const text = discordContent(await current.discordFinal(payload));
      replies.push(text);
      return text;
    }
    const asAdmin = { user: admin, permissions: MANAGE_GUILD };
    const form = await current.discordCommand({ group: 'key', subcommand: 'set', ...asAdmin });
    await current.discord.waitForRequest(isCallbackOf(form));
    const submission = modalSubmit({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      ...asAdmin,
      customId: KEY_FORM_ID,
      fields: [{ customId: KEY_INPUT_ID, value: DISCORD_KEY }],
    });
    expect(await discordReply(submission)).toContain(`••••${DISCORD_KEY.slice(-4)}`);
    const discordCommand = async (subcommand: string, group?: string, jobId?: string) =>
      slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        ...asAdmin,
        subcommand,
        ...(group ? { group } : {}),
        ...(jobId ? { options: [{ name: 'job_id', type: 3, value: jobId }] } : {}),
      });
    expect(await discordReply(await discordCommand('show', 'key'))).toContain('This server uses');
    expect(await discordReply(await discordCommand('status', undefined, 'done-secret-d'))).toContain(
      'is done',
    );
    // A failure reason that echoes the key, as a worker echoing its input would.
    current.simulator.setJobState('fail-secret-d', 'FAILED', { error: `bad input ${DISCORD_KEY}` });
    expect(await discordReply(await discordCommand('status', undefined, 'fail-secret-d'))).toMatch(
      /failed: bad input/,
    );
    expect(await discordReply(await discordCommand('status', undefined, 'nosuch-secret-d'))).toContain(
      'has no job',
    );
    // imagine: a submission refused with the key echoed back, then one that completes.
    const imagine = (prompt: string) =>
      slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        ...asAdmin,
        subcommand: 'imagine',
        options: [{ name: 'prompt', type: 3, value: prompt }],
      });
    current.simulator.failNext('async', { status: 401, body: { error: `Invalid API key: ${DISCORD_KEY}` } });
    expect(await discordReply(await imagine('a refused fox'))).toMatch(/key/i);
    const secretFox = await imagine('a secret fox');
    expect(await discordReply(secretFox)).toContain('is done');
    // Its buttons: Details and Again answer like commands; Delete removes the message (records stay in the store file).
    const withButtons = current.discord
      .channelMessages(DEFAULT_CHANNEL_ID)
      .find(
        (message) =>
          (message.interaction_metadata as { id?: string } | undefined)?.id === secretFox.id &&
          message.components.length > 0,
      );
    const buttonIds =
      JSON.stringify(withButtons?.components ?? []).match(/skidio:[a-z]+:[A-Za-z0-9_-]{16}/g) ?? [];
    const clickOn = (name: string) =>
      buttonClick({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        ...asAdmin,
        customId: buttonIds.find((id) => id.startsWith(`skidio:${name}:`)) ?? 'missing',
        message: withButtons as unknown as Record<string, unknown>,
      });
    expect(await discordReply(clickOn('details'))).toContain('Prompt: “a secret fox”');
    expect(await discordReply(clickOn('again'))).toContain('is done');
    const deletion = clickOn('delete');
    await current.discord.dispatchInteraction(deletion);
    await current.discord.waitForRequest(
      (request) => request.method === 'DELETE' && request.path.includes(deletion.token),
    );
    // A status word the bot does not know, with the key in it: shown safely, then the job completes.
    current.simulator.failNext('status', {
      status: 200,
      body: { id: 'done-weird-d', status: `WEIRD_${DISCORD_KEY}` },
    });
    expect(await discordReply(await discordCommand('status', undefined, 'done-weird-d'))).toContain(
      'is done',
    );
    // An error page that echoes the key.
    current.simulator.failNext('status', {
      status: 500,
      body: { error: `key ${DISCORD_KEY} is not allowed` },
    });
    expect(await discordReply(await discordCommand('status', undefined, 'done-echo-d'))).toContain(
      'not answering',
    );

    // --- Slack: key set in the command text, key set in the modal, key show, statuses.
    async function slackReply(text: string, user = 'U_MEMBER'): Promise<string> {
      const since = current.slack.calls.length;
      const ack: AppResponse = await current.slackCommand(text, { user_id: user });
      replies.push(ack.body);
      const reply = slackText(await current.slackFinal(since));
      replies.push(reply);
      return reply;
    }
    expect(await slackReply(`key set ${SLACK_KEY}`, 'U_ADMIN')).toContain(`••••${SLACK_KEY.slice(-4)}`);
    expect(await slackReply('status done-secret-s')).toContain('is done');
    current.simulator.setJobState('fail-secret-s', 'FAILED', { error: [`worker got ${SLACK_KEY}`] });
    expect(await slackReply('status fail-secret-s')).toMatch(/failed: worker got/);
    expect(await slackReply('status nosuch-secret-s')).toContain('has no job');
    const since = current.slack.calls.length;
    await current.slackCommand('key set', { user_id: 'U_ADMIN' });
    const opened = await current.slack.waitForCall(
      'views.open',
      (call) => current.slack.calls.indexOf(call) >= since,
    );
    expect(opened.ok).toBe(true);
    const submitted = await sendInteraction(
      current.slackUrl,
      SIGNING_SECRET,
      viewSubmission({
        callbackId: 'skidio_key_set',
        userId: 'U_ADMIN',
        privateMetadata: 'C_PUBLIC',
        viewId: current.slack.views.at(-1)?.id ?? 'V_NONE',
        values: { api_key: { value: { type: 'plain_text_input', value: SLACK_MODAL_KEY } } },
      }),
    );
    expect(submitted.status).toBe(200);
    replies.push(submitted.body);
    const saved = slackText(await current.slackFinal(since));
    replies.push(saved);
    expect(saved).toContain(`••••${SLACK_MODAL_KEY.slice(-4)}`);
    expect(await slackReply('key show', 'U_ADMIN')).toContain(`••••${SLACK_MODAL_KEY.slice(-4)}`);
    expect(await slackReply('status demo-secret-s')).toContain('is done');

    // --- The console, sharing the bot's services.
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const consoleRun = createConsoleAdapter({
      services: current.bot.services,
      input,
      output,
      outDir: join(current.storeDir, 'out'),
      json: true,
    }).run();
    input.end(
      [
        `/skidio key set ${CONSOLE_KEY}`,
        '/skidio key show',
        '/skidio status done-secret-c',
        '/skidio status fail-secret-c',
        '/skidio status nosuch-secret-c',
      ].join('\n'),
    );
    await consoleRun;
    expect(printed).toContain(`••••${CONSOLE_KEY.slice(-4)}`);
    replies.push(printed);

    // --- The store, while every key is set.
    const storedWhileSet = await storeBytes(current.storeDir);
    expect(storedWhileSet).toContain('apikey:discord:');
    expect(leaked(storedWhileSet)).toEqual([]);

    // --- Errors the bot raises, handed to a caller: the client's, and a refused start-up.
    await current.bot.services.client
      .status('nosuch-secret-e', DISCORD_KEY)
      .catch((error) => thrown.push(error));
    current.simulator.failNext('status', { status: 401, body: { error: `Invalid API key: ${DISCORD_KEY}` } });
    await current.bot.services.client
      .status('done-secret-e', DISCORD_KEY)
      .catch((error) => thrown.push(error));
    await startBot(
      { ...current.config, keyEncryptionSecret: 'a-different-secret-0000000000' },
      { logger: current.log.logger, secrets: current.log.secrets },
    ).catch((error) => thrown.push(error));
    expect(thrown.map((error) => (error as Error).name)).toEqual([
      'JobNotFoundError',
      'InvalidApiKeyError',
      'NotConfiguredError',
    ]);

    // --- Clearing the keys on every platform.
    expect(await discordReply(await discordCommand('clear', 'key'))).toContain('Removed');
    expect(await slackReply('key clear', 'U_ADMIN')).toContain('Removed');
    const clearOutput = new PassThrough();
    let cleared = '';
    clearOutput.on('data', (chunk: Buffer) => {
      cleared += chunk.toString('utf8');
    });
    const clearInput = new PassThrough();
    const clearing = createConsoleAdapter({
      services: current.bot.services,
      input: clearInput,
      output: clearOutput,
      outDir: join(current.storeDir, 'out'),
      json: true,
    }).run();
    clearInput.end('/skidio key clear\n');
    await clearing;
    expect(cleared).toContain('Removed');
    replies.push(cleared);
    await current.bot.services.watcher.idle();

    // --- Where a secret must never be.
    const sources: Record<string, string> = {
      'log lines': current.log.lines.join('\n'),
      'replies and acks': replies.join('\n'),
      'requests Discord received': JSON.stringify(
        current.discord.requests.map((request) => ({
          path: request.path,
          query: request.query.toString(),
          headers: request.headers,
          json: request.json,
          files: request.files.map((file) => file.filename),
        })),
      ),
      'calls Slack received': JSON.stringify(current.slack.calls),
      'Slack response_url posts': JSON.stringify(current.slack.responseUrlPosts),
      'Slack modals opened': JSON.stringify(current.slack.views),
      'thrown errors': thrown.map((error) => errorText(error)).join('\n'),
      'process faults': faults.describe().join('\n'),
      'the store file at the end': await storeBytes(current.storeDir),
    };
    for (const [where, text] of Object.entries(sources)) expect(leaked(text), where).toEqual([]);
    // Not even the logger's last-moment scrub had work to do: no code path tried to log a secret.
    expect(current.log.lines.filter((line) => line.includes('[REDACTED]'))).toEqual([]);
    expect(faults.describe()).toEqual([]);
    // The flows really ran: every platform stored, used and cleared a key.
    expect(current.simulator.requests.map((request) => request.apiKey)).toEqual(
      expect.arrayContaining([DISCORD_KEY, SLACK_KEY, SLACK_MODAL_KEY, CONSOLE_KEY]),
    );
  });

  it('never shows an installed workspace’s bot token, nor the OAuth client or state secret', async () => {
    oauthWorld = await startSlackWorld({
      slackInstall: 'oauth',
      keys: {},
      apiKeys: [SLACK_KEY],
      slackFake: {
        teams: { T0000002: { users: { UB_ADMIN: { isAdmin: true } }, channels: { CB: { isMember: true } } } },
      },
    });
    const current = oauthWorld;
    const replies: string[] = [];
    for (const team of ['T0000001', 'T0000002'])
      replies.push((await installSlackWorkspace(current, team)).html);
    // A failed install says why without echoing anything secret.
    const forged = await installSlackWorkspace(current, 'T0000002', ({ redirect }) => ({
      redirect,
      cookie: '',
    }));
    replies.push(forged.html);
    async function slackReply(text: string, user: string, team = 'T0000001', channel = 'C_PUBLIC') {
      const since = current.slack.calls.length;
      replies.push(
        (await current.slackCommand(text, { user_id: user, team_id: team, channel_id: channel })).body,
      );
      replies.push(slackText(await current.slackFinal(since, { channel })));
    }
    await slackReply(`key set ${SLACK_KEY}`, 'U_ADMIN');
    await slackReply('status done-oauth-secret', 'U_MEMBER');
    await slackReply('status fail-oauth-secret', 'U_MEMBER');
    await slackReply('help', 'UB_ADMIN', 'T0000002', 'CB');
    // Both workspaces' tokens, read before one of them is revoked.
    const botTokens = [...current.slack.tokensOf('T0000001'), ...current.slack.tokensOf('T0000002')];
    expect(botTokens.filter((token) => /^xoxb-T\d+-/.test(token))).toHaveLength(2);
    current.slack.revokeTokens('T0000002');
    await sendAppUninstalled(current.slackUrl, SIGNING_SECRET, 'T0000002');
    await current.log.waitForMessage(
      'Slack workspace removed the app: its installation, key and watches are gone',
    );
    await current.services.watcher.idle();

    const secrets = [...botTokens, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SIGNING_SECRET, SLACK_KEY];
    const sources: Record<string, string> = {
      'log lines': current.log.lines.join('\n'),
      'replies and pages': replies.join('\n'),
      'calls Slack received': JSON.stringify(current.slack.calls),
      'the store file': await storeBytes(current.storeDir),
    };
    for (const [where, text] of Object.entries(sources))
      expect(
        secrets.filter((secret) => text.includes(secret)),
        where,
      ).toEqual([]);
    expect(current.log.lines.filter((line) => line.includes('[REDACTED]'))).toEqual([]);
  });
});
