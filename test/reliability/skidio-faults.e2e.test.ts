// The app's undici (v7) loads first, as in production (see test/bot.e2e.test.ts).
import 'undici';
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FaultResponse } from '../../src/simulator/index.js';
import { discordContent, isOriginalEditOf, slackText, startWorld, type World } from '../support/bot-world.js';
import { type DripServer, startDripServer } from './drip-server.js';
import { collectProcessFaults } from './process-faults.js';

/**
 * The retry policy under test (src/core/skidio-client.ts, src/core/job-watcher.ts):
 * - the client makes up to 4 attempts per check for timeouts, refused or cut connections, 502/503/504 and 429
 *   (waiting out a Retry-After up to 30 s; a longer one is reported at once); a plain 500 and an answer it
 *   cannot read (not JSON, HTML, over the size cap) are not retried within the check;
 * - the watcher gives up at once when the first check of a job fails, and rides out up to 4 failed checks in
 *   a row after that (the 5th ends the watch).
 * Every lasting fault must end in one clear reply; none may crash the process or leave a stray rejection.
 */

const UNAVAILABLE = '🌩️ The Skidio API is not answering properly right now. Try again in a few minutes.';
const TIMEOUT_MS = 1_500;
const BODY_CAP = 8 * 1024 * 1024;

const faults = collectProcessFaults();
afterAll(() => faults.stop());
afterEach(() => {
  expect(faults.describe()).toEqual([]);
});

type Platform = 'discord' | 'slack';

/** Asks for a job on one platform and returns what the person finally saw. */
async function ask(world: World, via: Platform, jobId: string): Promise<{ text: string; images: number }> {
  if (via === 'discord') {
    const final = await world.discordFinal(await world.discordStatus(jobId), 15_000);
    return { text: discordContent(final), images: final.files.length };
  }
  const since = world.slack.calls.length;
  expect((await world.slackCommand(`status ${jobId}`)).status).toBe(200);
  const final = await world.slackFinal(since, { timeoutMs: 15_000 });
  const files = final.method === 'files.completeUploadExternal' ? (final.args.files as unknown[]) : [];
  return { text: slackText(final), images: files.length };
}

/** The status requests the simulator received for a job. */
const statusChecks = (world: World, jobId: string) =>
  world.simulator.requests.filter((request) => request.jobId === jobId && request.path.endsWith('/status'));

/** The client's retry log lines for a job: one per failed attempt that was retried. */
const retriesOf = (world: World, jobId: string) =>
  world.log
    .entries()
    .filter((entry) => entry.msg === 'Skidio API call failed; retrying' && entry.jobId === jobId);

describe('Skidio API faults, through the whole bot', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ overrides: { client: { timeoutMs: TIMEOUT_MS, maxBodyBytes: BODY_CAP } } });
  });
  afterAll(async () => {
    await world?.close();
  });
  afterEach(async () => {
    await world.bot.services.watcher.idle();
  });

  const truncatedInTransit: FaultResponse = {
    status: 200,
    body: '{"id":"x","status":"IN_PROG',
    // Longer than the body: the simulator cuts the connection after it, as a proxy dying mid-answer would.
    headers: { 'content-length': '400' },
  };
  const htmlPage = '<!doctype html><html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>';

  const lasting: Array<{
    name: string;
    via: Platform;
    fault: FaultResponse;
    times: number;
    attempts: number;
    says: string | RegExp;
    code: string;
  }> = [
    {
      name: 'a timeout on every attempt',
      via: 'discord',
      fault: { status: 200, body: { id: 'x', status: 'IN_QUEUE' }, delayMs: TIMEOUT_MS + 3_000 },
      times: 4,
      attempts: 4,
      says: UNAVAILABLE,
      code: 'network_failed',
    },
    {
      name: 'HTTP 500',
      via: 'slack',
      fault: { status: 500, body: { error: 'internal error' } },
      times: 1,
      attempts: 1,
      says: UNAVAILABLE,
      code: 'upstream_unavailable',
    },
    {
      name: 'HTTP 502 with an HTML error page',
      via: 'discord',
      fault: { status: 502, body: htmlPage },
      times: 4,
      attempts: 4,
      says: UNAVAILABLE,
      code: 'upstream_unavailable',
    },
    {
      name: 'HTTP 503',
      via: 'slack',
      fault: { status: 503, body: { error: 'busy' } },
      times: 4,
      attempts: 4,
      says: UNAVAILABLE,
      code: 'upstream_unavailable',
    },
    {
      name: 'HTTP 429 with a short Retry-After on every attempt',
      via: 'discord',
      fault: { status: 429, body: { error: 'slow down' }, headers: { 'Retry-After': '0.05' } },
      times: 4,
      attempts: 4,
      says: '🐢 The Skidio API is rate-limiting this server. Try again in 1 s.',
      code: 'rate_limited',
    },
    {
      name: 'HTTP 429 with a Retry-After longer than the bot waits (120 s)',
      via: 'slack',
      fault: { status: 429, body: { error: 'quota' }, headers: { 'Retry-After': '120' } },
      times: 1,
      attempts: 1,
      says: '🐢 The Skidio API is rate-limiting this workspace. Try again in 120 s.',
      code: 'rate_limited',
    },
    {
      name: 'JSON truncated in transit (connection cut)',
      via: 'discord',
      fault: truncatedInTransit,
      times: 4,
      attempts: 4,
      says: UNAVAILABLE,
      code: 'network_failed',
    },
    {
      name: 'a complete answer of truncated JSON',
      via: 'slack',
      fault: { status: 200, body: '{"id":"x","status":"IN_PROG' },
      times: 1,
      attempts: 1,
      says: UNAVAILABLE,
      code: 'unreadable_response',
    },
    {
      name: 'an HTML page with HTTP 200 (a proxy or captive portal)',
      via: 'discord',
      fault: { status: 200, body: htmlPage },
      times: 1,
      attempts: 1,
      says: UNAVAILABLE,
      code: 'unreadable_response',
    },
  ];

  it.each(lasting)(
    '$name ($via): retried $attempts time(s) in all, then one clear reply',
    async ({ via, fault, times, attempts, says, code }) => {
      const jobId = `done-fault-${code}-${world.simulator.requests.length}`;
      world.simulator.failNext('status', fault, times);
      const told = await ask(world, via, jobId);
      if (typeof says === 'string') expect(told.text).toBe(says);
      else expect(told.text).toMatch(says);
      expect(told.images).toBe(0);
      expect(statusChecks(world, jobId)).toHaveLength(attempts);
      expect(retriesOf(world, jobId).map((entry) => entry.attempt)).toEqual(
        Array.from({ length: attempts - 1 }, (_, index) => index + 1),
      );
      const ended = world.log
        .entries()
        .find((entry) => String(entry.msg).startsWith('watch ended') && entry.jobId === jobId);
      // A connection that failed is not an answer from the API, and the log line says which it was.
      const msg =
        code === 'network_failed'
          ? 'watch ended: the Skidio API could not be reached'
          : 'watch ended by an API answer';
      expect(ended).toMatchObject({ msg, code, checks: 1 });
    },
  );

  it('a 50 MB answer: reading stops at the cap, one request, one clear reply', async () => {
    const jobId = 'done-fault-huge';
    const huge = `{"id":"${jobId}","status":"COMPLETED","output":"${'A'.repeat(50 * 1024 * 1024)}"}`;
    world.simulator.failNext('status', { status: 200, body: huge });
    const told = await ask(world, 'discord', jobId);
    expect(told.text).toBe(UNAVAILABLE);
    expect(statusChecks(world, jobId)).toHaveLength(1);
    const ended = world.log
      .entries()
      .find((entry) => entry.msg === 'watch ended by an API answer' && entry.jobId === jobId);
    expect(ended).toMatchObject({
      code: 'unreadable_response',
      reason: `Skidio API answer is larger than ${BODY_CAP} bytes`,
    });
  });

  const recovering: Array<{ name: string; via: Platform; fault: FaultResponse; times: number }> = [
    { name: 'two 503s', via: 'slack', fault: { status: 503, body: { error: 'busy' } }, times: 2 },
    {
      name: 'a 429 with Retry-After: 0.05',
      via: 'discord',
      fault: { status: 429, body: { error: 'slow down' }, headers: { 'Retry-After': '0.05' } },
      times: 1,
    },
    {
      name: 'a timeout',
      via: 'slack',
      fault: { status: 200, body: { id: 'x', status: 'IN_QUEUE' }, delayMs: TIMEOUT_MS + 3_000 },
      times: 1,
    },
    { name: 'a connection cut mid-answer', via: 'discord', fault: truncatedInTransit, times: 3 },
  ];

  it.each(recovering)(
    '$name ($via), then a good answer: the image is posted',
    async ({ via, fault, times }) => {
      const jobId = `done-recover-${world.simulator.requests.length}`;
      world.simulator.failNext('status', fault, times);
      const told = await ask(world, via, jobId);
      expect(told.images).toBe(1);
      expect(told.text).toContain(`Job \`${jobId}\` is done`);
      expect(statusChecks(world, jobId)).toHaveLength(times + 1);
      expect(retriesOf(world, jobId)).toHaveLength(times);
    },
  );

  it('honours the Retry-After it was given before retrying', async () => {
    const jobId = 'done-retry-after';
    world.simulator.failNext('status', { status: 429, headers: { 'Retry-After': '0.25' } });
    await ask(world, 'slack', jobId);
    expect(retriesOf(world, jobId)).toMatchObject([{ attempt: 1, waitMs: 250, code: 'rate_limited' }]);
  });

  it('rides out failed checks after the first one, and the image still arrives', async () => {
    // A job that never finishes by itself, so the test decides when it completes.
    const jobId = 'never-flaky-then-done';
    const payload = await world.discordStatus(jobId);
    // The first check has answered (the reply shows the job queued): later failures are the watcher's to ride out.
    await world.discord.waitForRequest(
      (request) => isOriginalEditOf(payload)(request) && discordContent(request).includes('is queued'),
    );
    world.simulator.failNext('status', { status: 500, body: { error: 'oops' } }, 2);
    const riding = () =>
      world.log
        .entries()
        .filter((entry) => entry.msg === 'status check failed; will try again' && entry.jobId === jobId);
    await vi.waitFor(() => expect(riding()).toHaveLength(2), { timeout: 10_000 });
    world.simulator.completeNow(jobId);
    const final = await world.discordFinal(payload, 15_000);
    expect(final.files).toHaveLength(1);
    expect(riding().map((entry) => entry.failuresInRow)).toEqual([1, 2]);
  });

  it('gives up after 5 failed checks in a row, in the progress message', async () => {
    const jobId = 'never-flaky';
    const since = world.slack.calls.length;
    await world.slackCommand(`status ${jobId}`);
    await world.slack.waitForCall('chat.postMessage', (call) => slackText(call).includes(jobId));
    world.simulator.failNext('status', { status: 500, body: { error: 'oops' } }, 5);
    const final = await world.slackFinal(since, { timeoutMs: 15_000 });
    expect(final.method).toBe('chat.update');
    expect(slackText(final)).toBe(UNAVAILABLE);
    const ended = world.log
      .entries()
      .find((entry) => entry.msg === 'watch ended by an API answer' && entry.jobId === jobId);
    expect(ended).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('is still healthy after all of it', async () => {
    const health = await fetch(`http://127.0.0.1:${world.bot.http.port}/healthz`);
    expect(health.status).toBe(200);
  });
});

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Skidio API unreachable or stalled', () => {
  let world: World | undefined;
  let drip: DripServer | undefined;
  afterEach(async () => {
    await world?.close();
    await drip?.close();
    world = undefined;
    drip = undefined;
  });

  it('a refused connection: 4 attempts, then one clear reply', async () => {
    world = await startWorld({ env: { SKIDIO_API_URL: `http://127.0.0.1:${await closedPort()}` } });
    const told = await ask(world, 'discord', 'done-refused');
    expect(told.text).toBe(UNAVAILABLE);
    expect(retriesOf(world, 'done-refused').map((entry) => entry.code)).toEqual([
      'network_failed',
      'network_failed',
      'network_failed',
    ]);
    const ended = world.log
      .entries()
      .find((entry) => entry.msg === 'watch ended: the Skidio API could not be reached');
    expect(ended).toMatchObject({
      code: 'network_failed',
      reason: 'could not reach the Skidio API: ECONNREFUSED',
    });
  });

  it('a server that drips a byte a second: each attempt is cut at the timeout, then one clear reply', async () => {
    drip = await startDripServer({ intervalMs: 1_000 });
    world = await startWorld({
      env: { SKIDIO_API_URL: drip.url },
      // Two attempts of 2.5 s keep the test short; the policy is the same at any count.
      overrides: {
        client: { timeoutMs: 2_500 },
        retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100 },
      },
    });
    const told = await ask(world, 'slack', 'done-drip');
    expect(told.text).toBe(UNAVAILABLE);
    // Bytes were flowing (an idle timeout would never fire), yet each attempt was cut at its deadline.
    const server = drip;
    await vi.waitFor(() =>
      expect(server.connections.map((connection) => connection.abandoned)).toEqual([true, true]),
    );
    for (const connection of server.connections) expect(connection.bytesSent).toBeGreaterThanOrEqual(2);
    const ended = world.log
      .entries()
      .find((entry) => entry.msg === 'watch ended: the Skidio API could not be reached');
    expect(ended).toMatchObject({
      code: 'network_failed',
      reason: 'could not reach the Skidio API: timed out after 2500 ms',
    });
  });
});
