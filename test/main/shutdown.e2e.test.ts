/**
 * Issue 5, §2: on SIGTERM the bot stops taking commands (late ones hear that it is restarting), finishes the
 * post it has in flight, keeps its other watches in the store, closes everything and exits 0. A proxy in
 * front of the fake Slack holds the result's `files.completeUploadExternal`, so the post is in flight for
 * exactly as long as the test needs; the bot's log line says when it has stopped taking commands.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT_RESTARTING_TEXT } from '../../src/core/messages.js';
import type { RecordedRequest } from '../fakes/discord/index.js';
import { type BotProcess, killBotProcess, startBotProcess } from '../support/bot-process.js';
import { type HoldingProxy, startHoldingProxy } from '../support/holding-proxy.js';
import { type ProcessWorld, startProcessWorld } from './process-world.js';

let world: ProcessWorld | undefined;
let proxy: HoldingProxy | undefined;
let bot: BotProcess | undefined;
afterEach(async () => {
  await killBotProcess(bot);
  await proxy?.close();
  await world?.close();
  bot = undefined;
  proxy = undefined;
  world = undefined;
});

const editOf = (token: string, text: string) => (request: RecordedRequest) =>
  request.method === 'PATCH' && request.path.includes(token) && JSON.stringify(request.json).includes(text);

describe('a bot sent SIGTERM', () => {
  it('refuses late commands, finishes the post in flight, keeps its watches and exits 0', async () => {
    const current = await startProcessWorld({
      slackApiUrl: async (fakeApiUrl) => {
        proxy = await startHoldingProxy(new URL(fakeApiUrl).origin);
        return `${proxy.url}/api/`;
      },
    });
    world = current;
    if (!proxy) throw new Error('no proxy');
    bot = await startBotProcess(current.env);

    const kept = await current.discordStatus('never-kept');
    await current.discord.waitForRequest(editOf(kept.token, 'is queued'));
    await current.slackStatus('never-flight');
    await current.slack.waitForCall('chat.postMessage', (call) =>
      String(call.args.text).includes('is queued'),
    );
    const inFlight = proxy.hold('/api/files.completeUploadExternal');
    current.simulator.completeNow('never-flight');
    await inFlight.arrived;

    bot.child.kill('SIGTERM');
    await bot.waitForLog((line) => line.msg === 'no longer taking commands; finishing replies in flight');
    const late = await current.discordStatus('never-late-d');
    expect((await current.slackStatus('never-late-s')).status).toBe(200);
    await current.discord.waitForRequest(editOf(late.token, BOT_RESTARTING_TEXT));
    const refused = await current.slack.waitForCall('chat.postEphemeral');
    expect(refused.args).toMatchObject({ channel: 'C_PUBLIC', user: 'U_MEMBER', text: BOT_RESTARTING_TEXT });

    inFlight.release();
    const exit = await bot.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(bot.logs.some((line) => line.msg === 'skidio-bot stopped')).toBe(true);

    // The post in flight went through, once; the late commands started no watch; the other watch is kept.
    const completions = current.slack.calls.filter((call) => call.method === 'files.completeUploadExternal');
    expect(completions).toHaveLength(1);
    expect(current.slack.files('C_PUBLIC')).toHaveLength(1);
    const stored = await current.storedWatches();
    expect(stored.map((watch) => watch.jobId)).toEqual(['never-kept']);
    expect(stored[0]?.askers).toHaveLength(1);
    expect(current.simulator.requests.some((request) => request.jobId?.startsWith('never-late'))).toBe(false);
  });
});
