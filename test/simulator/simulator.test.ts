import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SimulatorOptions,
  type SkidioSimulator,
  startSkidioSimulator,
} from '../../src/simulator/index.js';
import { drawJobTimes, MODEL_TIMINGS, randomSeededBy } from '../../src/simulator/model-durations.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const started: SkidioSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

async function start(options: SimulatorOptions = {}): Promise<SkidioSimulator> {
  const sim = await startSkidioSimulator(options);
  started.push(sim);
  return sim;
}

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_000_000;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read field by field
  json: any;
}

async function call(
  sim: SkidioSimulator,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  dispatcher?: Agent,
): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const response = await request(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(payload === undefined ? {} : { body: payload }),
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { statusCode: response.statusCode, headers: response.headers, text, json };
}

/** The status check exactly as the client sends it: a GET with a JSON body. */
function status(sim: SkidioSimulator, jobId: string, apiKey = 'demo-key', path = '/txt2img/status') {
  return call(sim, 'GET', path, { input: { api_key: apiKey, job_id: jobId } });
}

function submit(
  sim: SkidioSimulator,
  fields: Record<string, unknown> = {},
  apiKey = 'demo-key',
  path = '/txt2img/async',
) {
  return call(sim, 'POST', path, {
    input: { api_key: apiKey },
    prompt: 'a red fox in snow',
    model: 'flux-schnell',
    negative_prompt: '',
    width: 512,
    height: 512,
    batch_size: 1,
    steps: 4,
    seed: 42,
    guidance_scale: 3.5,
    ...fields,
  });
}

function fromDataUri(uri: string): Buffer {
  expect(uri).toMatch(/^data:image\/png;base64,/);
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}

async function download(
  url: string,
): Promise<{ statusCode: number; type: unknown; length: unknown; bytes: Buffer }> {
  const response = await request(url);
  const bytes = Buffer.from(await response.body.arrayBuffer());
  return {
    statusCode: response.statusCode,
    type: response.headers['content-type'],
    length: response.headers['content-length'],
    bytes,
  };
}

describe('model scenarios (durations drawn from a per-model law)', () => {
  it('times a model-<name>-<n> job by its model, the same for the same id', async () => {
    const clock = manualClock();
    const sim = await start({ now: clock.now });
    const expected = drawJobTimes('flux-dev', randomSeededBy('model-flux-dev-7'));
    expect((await status(sim, 'model-flux-dev-7')).json).toMatchObject({ status: 'IN_QUEUE' });
    expect(sim.jobs.get('model-flux-dev-7')?.model).toBe('flux-dev');
    clock.advance(expected.queueMs + expected.runMs - 1);
    expect((await status(sim, 'model-flux-dev-7')).json.status).toBe('IN_PROGRESS');
    clock.advance(1);
    const done = (await status(sim, 'model-flux-dev-7')).json;
    expect(done).toMatchObject({
      status: 'COMPLETED',
      delayTime: expected.queueMs,
      executionTime: expected.runMs,
    });
  });

  it("draws durations that cluster around each model's median", () => {
    for (const [model, timing] of Object.entries(MODEL_TIMINGS)) {
      const runs = Array.from({ length: 200 }, (_, n) =>
        drawJobTimes(model as keyof typeof MODEL_TIMINGS, randomSeededBy(`model-${model}-${n}`)),
      ).map((times) => times.runMs);
      const sorted = runs.sort((a, b) => a - b);
      expect(sorted[100]).toBeGreaterThan(timing.runMedianMs * 0.9);
      expect(sorted[100]).toBeLessThan(timing.runMedianMs * 1.1);
    }
  });

  it('knows no model-<unknown> job', async () => {
    const sim = await start();
    expect((await status(sim, 'model-dalle-1')).statusCode).toBe(404);
  });
});

describe('submit and status', () => {
  it('moves a submitted job IN_QUEUE -> IN_PROGRESS -> COMPLETED by the clock', async () => {
    const clock = manualClock();
    const sim = await start({ queueMs: 100, runMs: 200, now: clock.now });
    const submitted = await submit(sim, { batch_size: 2 });
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json).toEqual({ id: expect.any(String), status: 'IN_QUEUE' });
    const id: string = submitted.json.id;

    expect((await status(sim, id)).json).toEqual({ id, status: 'IN_QUEUE', delayTime: 0 });
    clock.advance(150);
    expect((await status(sim, id)).json).toEqual({
      id,
      status: 'IN_PROGRESS',
      delayTime: 100,
      executionTime: 50,
    });
    clock.advance(150);
    const done = (await status(sim, id)).json;
    expect(done).toMatchObject({ id, status: 'COMPLETED', delayTime: 100, executionTime: 200 });
    expect(done.output.images).toHaveLength(2);
    for (const uri of done.output.images) expect(fromDataUri(uri).subarray(0, 8)).toEqual(PNG_MAGIC);
  });

  it('receives the GET body on a real HTTP server and records the key and job', async () => {
    const sim = await start();
    await status(sim, 'demo-rec');
    const last = sim.requests.at(-1);
    expect(last).toMatchObject({
      method: 'GET',
      path: '/txt2img/status',
      apiKey: 'demo-key',
      jobId: 'demo-rec',
    });
    expect(last?.body).toEqual({ input: { api_key: 'demo-key', job_id: 'demo-rec' } });
  });

  it('answers under /api and accepts POST for status', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    const submitted = await submit(sim, {}, 'demo-key', '/api/txt2img/async');
    expect(submitted.statusCode).toBe(200);
    const viaPost = await call(sim, 'POST', '/api/txt2img/status', {
      input: { api_key: 'demo-key', job_id: submitted.json.id },
    });
    expect(viaPost.json.status).toBe('COMPLETED');
  });

  it('answers a sync submit once the job is done', async () => {
    const sim = await start({ queueMs: 10, runMs: 20 });
    const started = Date.now();
    const answer = await submit(sim, { batch_size: 3 }, 'demo-key', '/txt2img');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(answer.json).toMatchObject({ status: 'COMPLETED', id: expect.any(String) });
    expect(answer.json.output.images).toHaveLength(3);
    expect(sim.requests.at(-1)?.jobId).toBe(answer.json.id);
  });

  it('refuses bad keys, bad bodies and bad fields', async () => {
    const sim = await start();
    expect(await status(sim, 'demo-1', 'wrong')).toMatchObject({
      statusCode: 401,
      json: { error: 'Invalid API key' },
    });
    expect((await submit(sim, {}, 'wrong')).statusCode).toBe(401);
    expect(sim.requests.at(-1)?.apiKey).toBe('wrong');
    expect((await call(sim, 'GET', '/txt2img/status', undefined)).statusCode).toBe(400);
    expect((await call(sim, 'GET', '/txt2img/status', '{"input":')).statusCode).toBe(400);
    expect((await call(sim, 'GET', '/txt2img/status', { input: { api_key: 'demo-key' } })).statusCode).toBe(
      400,
    );
    const emptyPrompt = await submit(sim, { prompt: '  ' });
    expect(emptyPrompt).toMatchObject({ statusCode: 400, json: { error: 'prompt is required' } });
    const badModel = await submit(sim, { model: 'dall-e' });
    expect(badModel.statusCode).toBe(400);
    expect(badModel.json.error).toContain('flux-schnell');
    expect((await submit(sim, { batch_size: 5 })).statusCode).toBe(400);
    expect((await call(sim, 'GET', '/txt2img/async', undefined)).statusCode).toBe(405);
    expect((await call(sim, 'GET', '/nowhere', undefined)).statusCode).toBe(404);
  });

  it('keeps a submitted job to the key that made it; scenario jobs are visible to every key', async () => {
    const sim = await start({ apiKeys: ['key-a'] });
    sim.addApiKey('key-b');
    const id = (await submit(sim, {}, 'key-a')).json.id;
    expect((await status(sim, id, 'key-a')).statusCode).toBe(200);
    expect(await status(sim, id, 'key-b')).toMatchObject({
      statusCode: 404,
      json: { error: 'job not found' },
    });
    expect((await status(sim, 'nothing-like-a-scenario', 'key-a')).statusCode).toBe(404);

    expect((await status(sim, 'demo-shared', 'key-b')).statusCode).toBe(200);
    expect((await status(sim, 'demo-shared', 'key-a')).statusCode).toBe(200);
    expect(sim.jobs.get('demo-shared')).toMatchObject({
      ownerKey: 'key-b',
      askedBy: ['key-b', 'key-a'],
      scenario: true,
    });
    expect(sim.jobs.get(id)).toMatchObject({ ownerKey: 'key-a', askedBy: ['key-a'], scenario: false });
  });
});

describe('images', () => {
  it('draws valid PNGs of the configured size, keeping the requested aspect ratio', async () => {
    const sim = await start({ queueMs: 0, runMs: 0, imageSize: 128 });
    const id = (await submit(sim, { width: 1024, height: 512 })).json.id;
    const bytes = fromDataUri((await status(sim, id)).json.output.images[0]);
    expect(bytes.subarray(0, 8)).toEqual(PNG_MAGIC);
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 128, height: 64 });
    expect(bytes).toEqual(await sim.imageBytes(id, 0));
  });

  it('is deterministic: same prompt and seed give the same bytes; index, prompt and seed change them', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    const one = (await submit(sim, { batch_size: 2 })).json.id;
    const two = (await submit(sim, { batch_size: 2 })).json.id;
    const otherPrompt = (await submit(sim, { prompt: 'a blue fox' })).json.id;
    const otherSeed = (await submit(sim, { seed: 7 })).json.id;
    const first = await sim.imageBytes(one, 0);
    expect(await sim.imageBytes(two, 0)).toEqual(first);
    expect(await sim.imageBytes(two, 1)).toEqual(await sim.imageBytes(one, 1));
    expect(await sim.imageBytes(one, 1)).not.toEqual(first);
    expect(await sim.imageBytes(otherPrompt, 0)).not.toEqual(first);
    expect(await sim.imageBytes(otherSeed, 0)).not.toEqual(first);
    await expect(sim.imageBytes(one, 2)).rejects.toThrow(/no image 2/);
  });

  it('serves images as URLs with content-type and content-length', async () => {
    const sim = await start({ queueMs: 0, runMs: 0, imageDelivery: 'url' });
    const id = (await submit(sim, { batch_size: 2 })).json.id;
    const urls: string[] = (await status(sim, id)).json.output.images;
    expect(urls).toEqual([`${sim.url}/images/${id}/0.png`, `${sim.url}/images/${id}/1.png`]);
    const image = await download(urls[1] ?? '');
    expect(image).toMatchObject({ statusCode: 200, type: 'image/png', length: String(image.bytes.length) });
    expect(image.bytes).toEqual(await sim.imageBytes(id, 1));
    expect((await download(`${sim.url}/images/${id}/9.png`)).statusCode).toBe(404);
    expect((await download(`${sim.url}/api/images/${id}/0.png`)).statusCode).toBe(200);
  });

  it('delivers raw base64 when asked', async () => {
    const sim = await start({ queueMs: 0, runMs: 0, imageDelivery: 'base64' });
    const id = (await submit(sim)).json.id;
    const [image] = (await status(sim, id)).json.output.images;
    expect(Buffer.from(image, 'base64')).toEqual(await sim.imageBytes(id, 0));
  });
});

describe('scenario ids', () => {
  it('runs demo-* through the states, its clock starting at the first check', async () => {
    const clock = manualClock();
    const sim = await start({ queueMs: 100, runMs: 100, now: clock.now });
    clock.advance(5000); // time before the first check does not count
    expect((await status(sim, 'demo-1')).json.status).toBe('IN_QUEUE');
    clock.advance(100);
    expect((await status(sim, 'demo-1')).json.status).toBe('IN_PROGRESS');
    clock.advance(100);
    const done = (await status(sim, 'demo-1')).json;
    expect(done.status).toBe('COMPLETED');
    expect(done.output.images).toHaveLength(1);
  });

  it('slows slow-* by ten and keeps never-* running until told', async () => {
    const clock = manualClock();
    const sim = await start({ queueMs: 100, runMs: 100, now: clock.now });
    await status(sim, 'slow-1');
    await status(sim, 'never-1');
    clock.advance(1000);
    expect((await status(sim, 'slow-1')).json.status).toBe('IN_PROGRESS');
    expect((await status(sim, 'never-1')).json.status).toBe('IN_PROGRESS');
    clock.advance(1000);
    expect((await status(sim, 'slow-1')).json.status).toBe('COMPLETED');
    clock.advance(1_000_000);
    expect((await status(sim, 'never-1')).json.status).toBe('IN_PROGRESS');
    sim.completeNow('never-1');
    expect((await status(sim, 'never-1')).json.output.images).toHaveLength(1);
  });

  it('ends each failure scenario as documented', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    expect((await status(sim, 'fail-1')).json).toMatchObject({
      status: 'FAILED',
      error: 'NSFW content detected',
    });
    expect((await status(sim, 'failjson-1')).json.error).toBe('{"message":"CUDA out of memory"}');
    expect(Array.isArray((await status(sim, 'errorarray-1')).json.error)).toBe(true);
    expect((await status(sim, 'outputerror-1')).json).toMatchObject({
      status: 'COMPLETED',
      output: { status: 'error', message: 'model crashed' },
    });
    expect((await status(sim, 'noimage-1')).json).toMatchObject({ status: 'COMPLETED', output: {} });
    expect((await status(sim, 'cancel-1')).json.status).toBe('CANCELLED');
    expect((await status(sim, 'expire-1')).json.status).toBe('TIMED_OUT');
  });

  it('fails fail-* after the queue time, not before', async () => {
    const clock = manualClock();
    const sim = await start({ queueMs: 100, runMs: 1000, now: clock.now });
    expect((await status(sim, 'fail-2')).json.status).toBe('IN_QUEUE');
    clock.advance(100);
    expect((await status(sim, 'fail-2')).json.status).toBe('FAILED');
  });

  it('answers done-* completed at once, and batch<N>-* with N images', async () => {
    const sim = await start();
    expect((await status(sim, 'done-1')).json.status).toBe('COMPLETED');
    sim.completeNow('batch3-x');
    expect((await status(sim, 'batch3-x')).json.output.images).toHaveLength(3);
    expect((await status(sim, 'batch13-x')).statusCode).toBe(404);
  });

  it('lays images out in every output shape', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    const out = async (id: string) => (await status(sim, id)).json.output;
    expect((await out('shape-image_url-1')).image_url).toBe(`${sim.url}/images/shape-image_url-1/0.png`);
    expect(fromDataUri((await out('shape-objects-1')).images[0].image)).toEqual(
      await sim.imageBytes('shape-objects-1', 0),
    );
    expect((await out('shape-urlobjects-1')).images[0].url).toBe(
      `${sim.url}/images/shape-urlobjects-1/0.png`,
    );
    expect(Buffer.from((await out('shape-dataobjects-1')).images[0].data, 'base64').subarray(0, 8)).toEqual(
      PNG_MAGIC,
    );
    expect(fromDataUri((await out('shape-array-1'))[0].image).subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(Buffer.from(await out('shape-bare-1'), 'base64').subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(fromDataUri((await out('shape-result-1')).result).subarray(0, 8)).toEqual(PNG_MAGIC);
    expect((await status(sim, 'shape-unknown-1')).statusCode).toBe(404);
  });

  it('delivers url-*, b64-*, jpeg-* and webp-* as named', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    const [url] = (await status(sim, 'url-1')).json.output.images;
    expect((await download(url)).bytes).toEqual(await sim.imageBytes('url-1', 0));
    const [b64] = (await status(sim, 'b64-1')).json.output.images;
    expect(Buffer.from(b64, 'base64')).toEqual(await sim.imageBytes('b64-1', 0));
    const [jpeg] = (await status(sim, 'jpeg-1')).json.output.images;
    expect(jpeg).toMatch(/^data:image\/jpeg;base64,/);
    expect((await sharp(await sim.imageBytes('jpeg-1', 0)).metadata()).format).toBe('jpeg');
    const [webp] = (await status(sim, 'webp-1')).json.output.images;
    expect(webp).toMatch(/^data:image\/webp;base64,/);
    expect((await sharp(await sim.imageBytes('webp-1', 0)).metadata()).format).toBe('webp');
  });

  it('serves big<N>-* as one incompressible PNG by URL', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    const [url] = (await status(sim, 'big2-x')).json.output.images;
    expect(url).toBe(`${sim.url}/images/big2-x/0.png`);
    const image = await download(url);
    expect(image.type).toBe('image/png');
    expect(image.bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(image.bytes.length).toBeLessThan(2.2 * 1024 * 1024);
    expect(Number(image.length)).toBe(image.bytes.length);
  });

  it('makes big-* about 12 MiB', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    await status(sim, 'big-1');
    const size = (await sim.imageBytes('big-1', 0)).length / (1024 * 1024);
    expect(size).toBeGreaterThan(11.9);
    expect(size).toBeLessThan(12.5);
  });
});

describe('test controls', () => {
  it('forces a state with extra fields', async () => {
    const sim = await start();
    await status(sim, 'demo-9');
    sim.setJobState('demo-9', 'FAILED', { error: 'custom' });
    expect((await status(sim, 'demo-9')).json).toMatchObject({ status: 'FAILED', error: 'custom' });
    expect(sim.jobs.get('demo-9')?.status).toBe('FAILED');
    expect(() => sim.completeNow('not-a-job')).toThrow();
  });

  it('injects faults: status codes, headers, HTML, truncated JSON, then recovers', async () => {
    const sim = await start({ queueMs: 0, runMs: 0 });
    sim.failNext('status', { status: 503, body: { error: 'busy' } }, 2);
    sim.failNext('status', { status: 429, headers: { 'Retry-After': '2' } });
    sim.failNext('status', { status: 502, body: '<html><body>Bad gateway</body></html>' });
    sim.failNext('status', {
      status: 200,
      body: '{"id":"demo-1","sta',
      headers: { 'content-type': 'application/json' },
    });

    expect((await status(sim, 'demo-1')).statusCode).toBe(503);
    expect((await status(sim, 'demo-1')).json).toEqual({ error: 'busy' });
    const limited = await status(sim, 'demo-1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    const html = await status(sim, 'demo-1');
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.text).toContain('Bad gateway');
    const truncated = await status(sim, 'demo-1');
    expect(truncated.json).toBeUndefined();
    expect(truncated.text).toBe('{"id":"demo-1","sta');
    expect((await status(sim, 'demo-1')).json.status).toBe('COMPLETED');
    expect(sim.requests.filter((r) => r.jobId === 'demo-1')).toHaveLength(6);
  });

  it('injects faults on submits and image downloads, with a delay', async () => {
    const sim = await start({ queueMs: 0, runMs: 0, imageDelivery: 'url' });
    sim.failNext('async', { status: 500, body: { error: 'boom' }, delayMs: 30 });
    const before = Date.now();
    expect((await submit(sim)).statusCode).toBe(500);
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
    const id = (await submit(sim)).json.id;
    const [url] = (await status(sim, id)).json.output.images;
    sim.failNext('image', { status: 403, body: 'AccessDenied' });
    expect((await download(url)).statusCode).toBe(403);
    expect((await download(url)).statusCode).toBe(200);
  });

  it('cuts the connection when a fault declares a longer body than it sends', async () => {
    const sim = await start();
    sim.failNext('status', { status: 200, body: '{"id":', headers: { 'content-length': '100' } });
    await expect(status(sim, 'demo-1')).rejects.toThrow();
  });

  it('posts the final body to a loopback webhook', async () => {
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      req.on('end', () => {
        received.push(JSON.parse(text));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const sim = await start({ queueMs: 5, runMs: 5 });
      const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const id = (await submit(sim, { webhook: hookUrl })).json.id;
      // A bounded wait for the callback, not a speed assertion: drawing the image is slow on a busy machine.
      await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
      expect(received[0]).toMatchObject({ id, status: 'COMPLETED' });
      expect(sim.jobs.get(id)?.webhookSent).toBe(true);
    } finally {
      hook.close();
    }
  });

  it('sends the webhook when its timer fires before the job is final by the simulator’s clock', async () => {
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(true);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    // The event loop's timers run ahead of the wall clock after a busy turn; a clock set back once the job is
    // submitted makes every timer fire early, as that does.
    let lag = 0;
    try {
      const sim = await start({ queueMs: 5, runMs: 5, now: () => Date.now() - lag });
      const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const id = (await submit(sim, { webhook: hookUrl })).json.id;
      lag = 100;
      await expect.poll(() => received.length, { timeout: 5_000 }).toBe(1);
      expect(sim.jobs.get(id)?.webhookSent).toBe(true);
    } finally {
      hook.close();
    }
  });

  it('closes promptly with keep-alive connections open', async () => {
    const sim = await startSkidioSimulator();
    const agent = new Agent({ keepAliveTimeout: 60_000 });
    try {
      await call(sim, 'GET', '/txt2img/status', { input: { api_key: 'demo-key', job_id: 'demo-1' } }, agent);
      // Without dropping idle keep-alive sockets, close() would wait out the agent's 60 s keep-alive and the
      // test would time out: its finishing at all is the assertion.
      await sim.close();
      await expect(
        call(sim, 'GET', '/txt2img/status', { input: { api_key: 'demo-key', job_id: 'demo-1' } }, agent),
      ).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });
});
