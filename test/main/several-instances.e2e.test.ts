/**
 * Several instances of the compiled bot on one Redis, as an operator runs them: three `node dist/src/main.js`
 * processes, Slack commands spread across them, the fakes in this process. Needs the machine's Redis
 * (`.ci/run` makes sure it runs in CI).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeSlack } from '../fakes/slack/index.js';
import { killBotProcess } from '../support/bot-process.js';
import { shouldRunRedisTests } from '../support/redis.js';
import { type InstanceWorld, shortestGapMs, startInstanceWorld, statusChecksOf, until } from './instances.js';

const runRedis = await shouldRunRedisTests();
let current: InstanceWorld | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Slack messages that mention `jobId`, by method. */
function slackCallsAbout(slack: FakeSlack, method: string, jobId: string) {
  return slack.calls.filter(
    (call) =>
      call.method === method &&
      call.ok &&
      String(call.args.text ?? call.args.initial_comment).includes(`\`${jobId}\``),
  );
}

/** Completed uploads whose comment names `jobId`. */
const uploadsOf = (slack: FakeSlack, jobId: string) =>
  slack.calls.filter(
    (call) =>
      call.method === 'files.completeUploadExternal' &&
      call.ok &&
      String(call.args.initial_comment).includes(`\`${jobId}\``),
  );

describe.runIf(runRedis)('several instances on one Redis', () => {
  it('checks a job asked through all three instances no more than one asker would', {
    // The first test of the file also builds dist/ (once) and starts three processes.
    timeout: 180_000,
  }, async () => {
    current = await startInstanceWorld(11);
    const { world } = current;
    const instances = [await current.start(), await current.start(), await current.start()];
    for (const instance of instances) await instance.slack('status never-shared');
    await instances[0]?.slack('status never-alone');
    await until(
      () =>
        uploadsOf(world.slack, 'never-shared').length === 0 &&
        statusChecksOf(world.simulator.requests, 'never-alone').length >= 9,
      100_000,
      'nine checks of the single job',
    );
    world.simulator.completeNow('never-shared');
    world.simulator.completeNow('never-alone');
    await until(
      () => uploadsOf(world.slack, 'never-shared').length === 3,
      30_000,
      'three images of the shared job',
    );
    await until(() => uploadsOf(world.slack, 'never-alone').length === 1, 30_000, 'the single job’s image');

    const shared = statusChecksOf(world.simulator.requests, 'never-shared').length;
    const alone = statusChecksOf(world.simulator.requests, 'never-alone').length;
    expect(shared).toBeLessThanOrEqual(Math.ceil(alone * 1.1));
    expect(shortestGapMs(world.simulator.requests, 'never-shared')).toBeGreaterThan(400);
  });

  it('hands a killed instance’s 20 watches to the others: each image once, in the same progress message', {
    timeout: 120_000,
  }, async () => {
    current = await startInstanceWorld(12);
    const { world } = current;
    const [doomed] = [await current.start(), await current.start(), await current.start()];
    if (!doomed) throw new Error('no instance');
    const jobIds = Array.from({ length: 20 }, (_, index) => `never-kill-${index}`);
    for (const jobId of jobIds) await doomed.slack(`status ${jobId}`);
    await until(
      () => jobIds.every((jobId) => slackCallsAbout(world.slack, 'chat.postMessage', jobId).length === 1),
      30_000,
      'a progress message for every job',
    );
    await killBotProcess(doomed);
    for (const jobId of jobIds) world.simulator.completeNow(jobId);
    const killedAt = Date.now();
    await until(
      () => jobIds.every((jobId) => uploadsOf(world.slack, jobId).length >= 1),
      45_000,
      'all 20 images',
    );
    const takeoverMs = Date.now() - killedAt;
    // Give a duplicate the time to show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const jobId of jobIds) {
      expect(uploadsOf(world.slack, jobId)).toHaveLength(1);
      expect(slackCallsAbout(world.slack, 'chat.postMessage', jobId)).toHaveLength(1);
      const edited = new Set(
        world.slack.calls
          .filter((call) => call.method === 'chat.update' && String(call.args.text).includes(`\`${jobId}\``))
          .map((call) => call.args.ts),
      );
      expect(edited.size).toBe(1);
    }
    expect(takeoverMs).toBeLessThan(45_000);
  });

  it('survives a rolling restart of all three under 200 pending watches: one image each, no job checked twice at once', {
    timeout: 240_000,
  }, async () => {
    current = await startInstanceWorld(13, {
      env: { RATE_LIMIT_WORKSPACE_PER_MINUTE: '0', MAX_WATCHES_PER_WORKSPACE: '1000' },
    });
    const { world } = current;
    for (let index = 0; index < 3; index++) await current.start();
    const jobIds = Array.from({ length: 200 }, (_, index) => `never-roll-${index}`);
    await Promise.all(
      jobIds.map((jobId, index) =>
        current?.instances[index % 3]?.slack(`status ${jobId}`, `U_PERSON_${index % 40}`),
      ),
    );
    await until(
      () => jobIds.every((jobId) => slackCallsAbout(world.slack, 'chat.postMessage', jobId).length === 1),
      60_000,
      'a progress message for every job',
    );
    for (const jobId of jobIds.filter((_, index) => index % 2 === 0)) world.simulator.completeNow(jobId);
    for (let index = 0; index < 3; index++) {
      const old = current.instances[index];
      if (!old) throw new Error('no instance');
      old.child.kill('SIGTERM');
      expect(await old.exited).toEqual({ code: 0, signal: null });
      current.instances[index] = await current.start();
      current.instances.pop();
      if (index === 0) {
        for (const jobId of jobIds.filter((_, n) => n % 2 === 1)) world.simulator.completeNow(jobId);
      }
    }
    await until(
      () => jobIds.every((jobId) => uploadsOf(world.slack, jobId).length >= 1),
      90_000,
      'all 200 images',
    );
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const jobId of jobIds) {
      expect(uploadsOf(world.slack, jobId)).toHaveLength(1);
      // The poll curve's shortest wait is 750 ms less 25 % jitter: anything near 0 would be two at once.
      expect(shortestGapMs(world.simulator.requests, jobId)).toBeGreaterThan(300);
    }
    expect(await current.redis.scard('skidio:watches')).toBe(0);
  });

  it('refuses a person’s 21st command in a minute, whichever instance receives it', {
    timeout: 90_000,
  }, async () => {
    current = await startInstanceWorld(14);
    const { world } = current;
    for (let index = 0; index < 3; index++) await current.start();
    for (let index = 0; index < 21; index++) await current.instances[index % 3]?.slack('help', 'U_BUSY');
    const answers = () =>
      world.slack.calls.filter((call) => call.method === 'chat.postEphemeral' && call.args.user === 'U_BUSY');
    await until(() => answers().length === 21, 30_000, '21 answers');
    const refused = answers().filter((call) => String(call.args.text).includes('faster than I take them'));
    expect(refused).toHaveLength(1);
    // Another person is not held back by the busy one.
    await current.instances[0]?.slack('help', 'U_CALM');
    await until(
      () =>
        world.slack.calls.some((call) => call.method === 'chat.postEphemeral' && call.args.user === 'U_CALM'),
      10_000,
      'an answer for someone else',
    );
  });
});
