/**
 * Issue 5, §1: a watch is running on Discord and on Slack, the bot is killed with SIGKILL, the job completes
 * while it is down, the bot restarts on the same store, and each image arrives once. The bot runs as
 * production runs it (`node --import tsx src/main.ts`), configured by its environment only.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../fakes/discord/index.js';
import { type BotProcess, killBotProcess, startBotProcess } from '../support/bot-process.js';
import { type ProcessWorld, startProcessWorld } from './process-world.js';

let world: ProcessWorld | undefined;
const bots: BotProcess[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) await killBotProcess(bot);
  await world?.close();
  world = undefined;
});

const isDiscordUpload = (request: RecordedRequest) => request.files.length > 0;
const isQueuedEdit = (token: string) => (request: RecordedRequest) =>
  request.method === 'PATCH' &&
  request.path.includes(token) &&
  JSON.stringify(request.json).includes('is queued');

/** Polls the store (a bounded number of times) until `condition` holds for its watch records. */
async function storeUntil(
  current: ProcessWorld,
  condition: (jobIds: string[]) => boolean,
): Promise<string[]> {
  for (let tries = 0; tries < 100; tries++) {
    const jobIds = (await current.storedWatches()).map((watch) => watch.jobId).sort();
    if (condition(jobIds)) return jobIds;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the store never reached the expected state');
}

describe('a bot killed with SIGKILL', () => {
  it('resumes both watches on restart and posts each image exactly once', async () => {
    const current = await startProcessWorld();
    world = current;
    const first = await startBotProcess(current.env);
    bots.push(first);

    const payload = await current.discordStatus('never-crash-d');
    expect((await current.slackStatus('never-crash-s')).status).toBe(200);
    await current.discord.waitForRequest(isQueuedEdit(payload.token));
    await current.slack.waitForCall('chat.postMessage', (call) =>
      String(call.args.text).includes('is queued'),
    );
    // Both watches are on disk before anything was posted about them; the kill cannot lose them.
    await storeUntil(current, (jobIds) => jobIds.length === 2);

    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    current.simulator.completeNow('never-crash-d');
    current.simulator.completeNow('never-crash-s');

    const second = await startBotProcess(current.env);
    bots.push(second);
    expect(second.logs.find((line) => line.msg === 'skidio-bot is ready')).toMatchObject({
      resumedWatches: 2,
    });
    const discordUpload = await current.discord.waitForRequest(isDiscordUpload, 10_000);
    await current.slack.waitForUpload(undefined, 10_000);
    // Each post leaves the store once the platform took it: an empty store means nothing more is coming.
    await storeUntil(current, (jobIds) => jobIds.length === 0);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);

    expect(current.discord.requests.filter(isDiscordUpload)).toHaveLength(1);
    expect(discordUpload.path).toContain(payload.token);
    expect(discordUpload.files[0]?.bytes.equals(await current.simulator.imageBytes('never-crash-d', 0))).toBe(
      true,
    );
    expect(current.slack.uploads).toHaveLength(1);
    expect(
      current.slack.uploads[0]?.bytes.equals(await current.simulator.imageBytes('never-crash-s', 0)),
    ).toBe(true);
    expect(current.slack.files('C_PUBLIC')).toHaveLength(1);

    const output = JSON.stringify([...first.logs, ...second.logs]) + first.stderr() + second.stderr();
    for (const secret of current.secrets) expect(output).not.toContain(secret);
  });
});
