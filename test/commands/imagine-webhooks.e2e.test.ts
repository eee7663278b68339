/**
 * Skidio webhooks for `/skidio imagine` (PUBLIC_URL set), end to end on Slack (real Bolt) against the
 * simulator, which calls the bot's webhook URL for real. The webhook only triggers a check: the result comes
 * from that check, never from the body; a dropped webhook is covered by the fallback polling; a forged one
 * posts nothing early; a token works once, even when its call came before the bot knew the job's id. On the
 * in-process engine and on BullMQ (Redis db 7).
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceOverrides } from '../../src/services.js';
import { freePort, isFinalSlackCall, startWorld, TEST_API_KEY, type World } from '../support/bot-world.js';
import { type HoldingProxy, startHoldingProxy } from '../support/holding-proxy.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';

let world: World | undefined;
let proxy: HoldingProxy | undefined;
afterEach(async () => {
  await world?.close();
  await proxy?.close();
  world = undefined;
  proxy = undefined;
});

const WEBHOOK_URL = /^http:\/\/127\.0\.0\.1:\d+\/skidio\/webhook\/[A-Za-z0-9_-]{22}$/;

/** Fast polls elsewhere, and a fallback so long that only a webhook can explain a delivery. */
function withFallback(webhookFallbackMs: number): ServiceOverrides {
  return {
    schedule: { firstCheckMs: 150, cadenceMs: 200, webhookFallbackMs },
    retry: { baseDelayMs: 20, maxDelayMs: 100 },
  };
}

/** The one submission's webhook URL and job id, once the simulator accepted it. */
async function submitted(current: World): Promise<{ url: string; jobId: string }> {
  await expect
    .poll(() => current.simulator.requests.find((request) => request.path.endsWith('/txt2img/async')), {
      timeout: 10_000,
    })
    .toBeDefined();
  const request = current.simulator.requests.find((candidate) => candidate.path.endsWith('/txt2img/async'));
  const body = request?.body as { webhook?: string };
  return { url: String(body.webhook), jobId: String(request?.jobId) };
}

function statusChecks(current: World, jobId: string): number {
  return current.simulator.requests.filter(
    (request) => request.path.endsWith('/txt2img/status') && request.jobId === jobId,
  ).length;
}

function finals(current: World, since: number) {
  return current.slack.calls.slice(since).filter(isFinalSlackCall);
}

/** POSTs a completed-looking body (with the API key echoed in its input, as RunPod-style bodies do). */
function postWebhook(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      status: 'COMPLETED',
      output: [{ image: 'https://forged.example/x.png' }],
      input: { api_key: TEST_API_KEY },
    }),
  });
}

/** Imagine posted by the webhook alone, with at most 2 status checks; then the token is spent. */
async function deliveredByWebhook(current: World): Promise<void> {
  const since = current.slack.calls.length;
  await current.slackCommand('imagine a lighthouse at dusk');
  const { url, jobId } = await submitted(current);
  expect(url).toMatch(WEBHOOK_URL);
  const final = await current.slackFinal(since, { timeoutMs: 20_000 });
  expect(final.method).toBe('files.completeUploadExternal');
  // One check right after submission, one when the webhook came (the fallback is a minute away).
  expect(statusChecks(current, jobId)).toBeLessThanOrEqual(2);
  // Used once: a replay (or a second instance) gets 404.
  expect((await postWebhook(url)).status).toBe(404);
  const token = url.split('/').at(-1) ?? '?';
  const logs = current.log.lines.join('\n');
  expect(logs).not.toContain(TEST_API_KEY);
  expect(logs).not.toContain(token);
}

describe('imagine with webhooks (PUBLIC_URL set)', () => {
  it('posts the images when the simulator calls the webhook, not by polling (in-process engine)', async () => {
    world = await startWorld({
      platforms: ['slack'],
      webhooks: true,
      simulator: { queueMs: 200, runMs: 1_500 },
      overrides: withFallback(60_000),
    });
    await deliveredByWebhook(world);
  });

  it('a watch resumed after a restart still waits for its webhook, not polling fast (in-process engine)', async () => {
    const current = await startWorld({
      platforms: ['slack'],
      webhooks: true,
      simulator: { queueMs: 200, runMs: 3_000 },
      overrides: withFallback(60_000),
    });
    world = current;
    const since = current.slack.calls.length;
    await current.slackCommand('imagine a lighthouse in fog');
    const { jobId } = await submitted(current);
    await current.slack.waitForCall('chat.postMessage', (call) => current.slack.calls.indexOf(call) >= since);
    expect(await current.restart()).toBe(1);
    const final = await current.slackFinal(since, { timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    // Before the restart one check, after it one on resuming and one when the webhook came: the fast cadence
    // (every 200 ms here) would have made about fifteen.
    expect(statusChecks(current, jobId)).toBeLessThanOrEqual(3);
  });

  it('answers 404 to an unknown token and to a path without one', async () => {
    world = await startWorld({ platforms: ['slack'], webhooks: true });
    const base = world.slackUrl.replace('/slack/events', '');
    expect((await postWebhook(`${base}/skidio/webhook/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await postWebhook(`${base}/skidio/webhook/`)).status).toBe(404);
  });

  it('still delivers by the fallback polling when the webhook never arrives', async () => {
    const refusing = await freePort();
    world = await startWorld({
      platforms: ['slack'],
      env: { PUBLIC_URL: `http://127.0.0.1:${refusing}` },
      simulator: { queueMs: 100, runMs: 300 },
      overrides: withFallback(1_000),
    });
    const since = world.slack.calls.length;
    await world.slackCommand('imagine a kite');
    const { url, jobId } = await submitted(world);
    expect(url).toContain(`127.0.0.1:${refusing}/skidio/webhook/`);
    const final = await world.slackFinal(since, { timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    expect(statusChecks(world, jobId)).toBeGreaterThanOrEqual(2);
  });

  it('a webhook before the bot knows its job id: 200, spent for good, and the first check posts the images', async () => {
    // The simulator's own webhook statuses, by job: the one it sends while the bot still waits for its answer.
    const webhookStatuses = new Map<string, number>();
    world = await startWorld({
      platforms: ['slack'],
      webhooks: true,
      start: false,
      simulator: {
        queueMs: 0,
        runMs: 100,
        logger: {
          info: (fields) => {
            const { jobId, status } = fields as { jobId?: string; status?: number };
            if (jobId !== undefined && status !== undefined) webhookStatuses.set(jobId, status);
          },
          warn: () => {},
        },
      },
      overrides: withFallback(60_000),
    });
    const current = world;
    // The submission's answer is held in a proxy: the job runs, ends and calls back before the bot has its id.
    proxy = await startHoldingProxy(current.simulator.url);
    current.config = { ...current.config, skidioApiUrl: proxy.url };
    await current.start();
    const answer = proxy.hold('/txt2img/async', { answered: true });
    const since = current.slack.calls.length;
    await current.slackCommand('imagine a lighthouse at dawn');
    await answer.arrived;
    const { url, jobId } = await submitted(current);
    await expect.poll(() => webhookStatuses.get(jobId), { timeout: 10_000 }).toBe(200);
    expect((await postWebhook(url)).status).toBe(404);
    answer.release();
    const final = await current.slackFinal(since, { timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    // The watch's first check, right after the submission's answer, found the job done (the fallback is 60 s).
    expect(statusChecks(current, jobId)).toBe(1);
    // bind did not bring the spent token back: a replay is still refused, and checks nothing.
    expect((await postWebhook(url)).status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statusChecks(current, jobId)).toBe(1);
  });

  it('a forged webhook for a running job checks once and posts nothing early; the real end is posted once', async () => {
    world = await startWorld({
      platforms: ['slack'],
      webhooks: true,
      simulator: { queueMs: 100, runMs: 3_000 },
      overrides: withFallback(1_500),
    });
    const current = world;
    const since = current.slack.calls.length;
    await current.slackCommand('imagine a harbour');
    const { url, jobId } = await submitted(current);
    await expect.poll(() => statusChecks(current, jobId), { timeout: 5_000 }).toBe(1);
    const forged = await postWebhook(url);
    expect(forged.status).toBe(200);
    await expect.poll(() => statusChecks(current, jobId), { timeout: 5_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(finals(current, since)).toEqual([]);
    // The token was spent by the forgery: the real webhook gets 404, and the fallback polling delivers.
    const final = await current.slackFinal(since, { timeoutMs: 20_000 });
    expect(final.method).toBe('files.completeUploadExternal');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // One delivery: the images shared once (the progress line's edit to "done" goes with it).
    const uploads = finals(current, since).filter((call) => call.method === 'files.completeUploadExternal');
    expect(uploads).toHaveLength(1);
    expect(current.log.lines.join('\n')).not.toContain('forged.example');
  });
});

describe('imagine with webhooks on the BullMQ engine (Redis db 7)', async () => {
  const runRedis = await shouldRunRedisTests();
  const storeUrl = `${REDIS_URL.replace(/\/\d*$/, '')}/7`;

  it.skipIf(!runRedis)('promotes the delayed watch when the webhook comes', async () => {
    const redis = new Redis(storeUrl, { maxRetriesPerRequest: 2 });
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
    world = await startWorld({
      platforms: ['slack'],
      webhooks: true,
      env: { STORE_URL: storeUrl },
      simulator: { queueMs: 200, runMs: 1_500 },
      overrides: withFallback(60_000),
    });
    await deliveredByWebhook(world);
  });
});
