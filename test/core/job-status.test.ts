import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffImageType } from '../../src/core/image-type.js';
import {
  describeShape,
  extractImages,
  type ImageSource,
  isFinal,
  type JobStatus,
  looksLikeJobBody,
  normalizeJobBody,
  reasonFrom,
  sanitizeReason,
  stateOf,
} from '../../src/core/job-status.js';

/** Real, tiny images (the tables below are built at collection time, so this cannot wait for beforeAll). */
async function tinyImage(format: 'png' | 'jpeg' | 'webp'): Promise<string> {
  const image = sharp({ create: { width: 2, height: 2, channels: 3, background: '#c33' } });
  return (await image[format]().toBuffer()).toString('base64');
}
const png = await tinyImage('png');
const jpeg = await tinyImage('jpeg');
const webp = await tinyImage('webp');
const pngUri = `data:image/png;base64,${png}`;

const inline = (base64: string, mimeType?: string): ImageSource =>
  mimeType ? { kind: 'inline', base64, mimeType } : { kind: 'inline', base64 };
const url = (href: string): ImageSource => ({ kind: 'url', url: href });

describe('status spellings', () => {
  it.each<[string, JobStatus['state']]>([
    ['IN_QUEUE', 'queued'],
    ['in_queue', 'queued'],
    ['In Queue', 'queued'],
    ['in-queue', 'queued'],
    ['QUEUED', 'queued'],
    ['pending', 'queued'],
    ['IN_PROGRESS', 'running'],
    ['in_progress', 'running'],
    ['in-progress', 'running'],
    ['In Progress', 'running'],
    [' running ', 'running'],
    ['processing', 'running'],
    ['COMPLETED', 'completed'],
    ['Completed', 'completed'],
    ['completed', 'completed'],
    ['succeeded', 'completed'],
    ['SUCCESS', 'completed'],
    ['done', 'completed'],
    ['FAILED', 'failed'],
    ['failed', 'failed'],
    ['error', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['cancelled', 'cancelled'],
    ['canceled', 'cancelled'],
    ['CANCELED', 'cancelled'],
    ['TIMED_OUT', 'expired'],
    ['timed_out', 'expired'],
    ['timed-out', 'expired'],
    ['Timed Out', 'expired'],
    ['TIMEOUT', 'expired'],
    ['expired', 'expired'],
  ])('%j is %s', (raw, state) => {
    expect(stateOf(raw)).toBe(state);
    const body = { id: 'job-1', status: raw, output: { images: [pngUri] }, error: 'boom' };
    const expected: Record<JobStatus['state'], JobStatus> = {
      queued: { state: 'queued' },
      running: { state: 'running' },
      completed: { state: 'completed', images: [inline(png, 'image/png')] },
      failed: { state: 'failed', reason: 'boom' },
      cancelled: { state: 'cancelled' },
      expired: { state: 'expired' },
      unknown: { state: 'unknown', rawStatus: raw },
    };
    expect(normalizeJobBody(body)).toEqual({ status: expected[state] });
  });

  it.each(['', 'WIBBLE', 'IN_QUEUEX', 'complete d'])('%j is not a status', (raw) => {
    expect(stateOf(raw)).toBeUndefined();
  });

  it.each<[JobStatus, boolean]>([
    [{ state: 'queued' }, false],
    [{ state: 'running' }, false],
    [{ state: 'unknown', rawStatus: 'x' }, false],
    [{ state: 'completed', images: [] }, true],
    [{ state: 'failed', reason: 'x' }, true],
    [{ state: 'cancelled' }, true],
    [{ state: 'expired' }, true],
  ])('isFinal(%j) is %s', (status, final) => {
    expect(isFinal(status)).toBe(final);
  });
});

describe('where completed jobs put their images', () => {
  it.each<[string, unknown, ImageSource[]]>([
    [
      'output.images of data URIs',
      { images: [pngUri, `data:image/jpeg;base64,${jpeg}`] },
      [inline(png, 'image/png'), inline(jpeg, 'image/jpeg')],
    ],
    [
      'a data URI with parameters',
      { images: [`data:image/webp;charset=binary;base64,${webp}`] },
      [inline(webp, 'image/webp')],
    ],
    ['a data URI without a type', { images: [`data:;base64,${png}`] }, [inline(png)]],
    [
      'output.images of raw base64 (PNG, JPEG, WebP)',
      { images: [png, jpeg, webp] },
      [inline(png), inline(jpeg), inline(webp)],
    ],
    ['raw base64 wrapped at 76 characters', { images: [png.replace(/(.{76})/g, '$1\r\n')] }, [inline(png)]],
    [
      'output.images of https URLs',
      { images: ['https://cdn.example/a.png', 'https://cdn.example/b.webp'] },
      [url('https://cdn.example/a.png'), url('https://cdn.example/b.webp')],
    ],
    [
      'output as an array of strings',
      [pngUri, 'https://cdn.example/a.png'],
      [inline(png, 'image/png'), url('https://cdn.example/a.png')],
    ],
    [
      'output as an array of { image }',
      [{ image: pngUri }, { image: webp }],
      [inline(png, 'image/png'), inline(webp)],
    ],
    [
      'output.images of { url }',
      { images: [{ url: 'https://cdn.example/1.jpg', seed: 4 }] },
      [url('https://cdn.example/1.jpg')],
    ],
    ['output.images of { data }', { images: [{ data: jpeg }] }, [inline(jpeg)]],
    [
      'output.images of { image }',
      { images: [{ image: 'https://cdn.example/i.png' }] },
      [url('https://cdn.example/i.png')],
    ],
    ['output.image_url', { image_url: 'https://cdn.example/x.png' }, [url('https://cdn.example/x.png')]],
    ['output.image', { image: png }, [inline(png)]],
    ['OpenAI-style data[].b64_json', { data: [{ b64_json: png }] }, [inline(png)]],
    ['a bare base64 string', png, [inline(png)]],
    ['a bare data URI', pngUri, [inline(png, 'image/png')]],
    ['a bare URL', 'https://cdn.example/bare.png', [url('https://cdn.example/bare.png')]],
    ['output.result as a string', { result: pngUri }, [inline(png, 'image/png')]],
    [
      'output.result as an array of URLs',
      { result: ['https://cdn.example/r.png'] },
      [url('https://cdn.example/r.png')],
    ],
    ['output.output.images (a wrapped worker)', { output: { images: [png] } }, [inline(png)]],
  ])('%s', (_label, output, images) => {
    const result = normalizeJobBody({ id: 'job-1', status: 'COMPLETED', output });
    expect(result).toEqual({ status: { state: 'completed', images } });
  });

  it.each([
    ['PNG', png, 'png'],
    ['JPEG', jpeg, 'jpg'],
    ['WebP', webp, 'webp'],
  ])('raw base64 %s decodes to bytes of that type', (_label, base64, extension) => {
    const [image] = extractImages({ images: [base64] });
    if (image?.kind !== 'inline') throw new Error('expected an inline image');
    expect(sniffImageType(Buffer.from(image.base64, 'base64'))?.extension).toBe(extension);
  });

  it.each<[string, unknown]>([
    ['a status word', 'done'],
    ['a short token', 'abc123'],
    [
      'a long sentence of plain words',
      'The safety checker flagged this prompt so no image was generated for you today',
    ],
    ['a number', 42],
    ['an object without image fields', { seed: 1, took_ms: 300 }],
  ])('does not mistake %s for an image', (_label, output) => {
    expect(extractImages(output)).toEqual([]);
  });

  it('stops at a bounded depth', () => {
    let output: unknown = [pngUri];
    for (let i = 0; i < 6; i++) output = { result: output };
    expect(extractImages(output)).toEqual([]);
  });
});

describe('completed jobs that failed', () => {
  it.each<[string, unknown, string]>([
    ['output.status error with a message', { status: 'error', message: 'model crashed' }, 'model crashed'],
    [
      'output.status failed with an error',
      { status: 'failed', error: 'CUDA out of memory' },
      'CUDA out of memory',
    ],
    [
      'output.status error with images too',
      { status: 'error', detail: 'bad seed', images: [pngUri] },
      'bad seed',
    ],
    ['output.status error, no reason', { status: 'ERROR' }, 'the job reported an error'],
    ['no output at all', undefined, 'the job completed but returned no image'],
    ['an empty output', {}, 'the job completed but returned no image'],
    ['an empty images list', { images: [] }, 'the job completed but returned no image'],
    ['a short string output', 'ok', 'the job completed but returned no image'],
    [
      'a sentence in output.result',
      { result: 'The safety checker flagged this prompt so no image was generated for you today' },
      'the job completed but returned no image',
    ],
    ['an output.error and no image', { error: 'worker OOM' }, 'worker OOM'],
  ])('%s → failed', (_label, output, reason) => {
    const result = normalizeJobBody({ id: 'job-1', status: 'COMPLETED', output });
    expect(result.status).toEqual({ state: 'failed', reason });
  });

  it('describes the shape of an imageless output for the operator', () => {
    const result = normalizeJobBody({ id: 'job-1', status: 'COMPLETED', output: { pics: ['x'], n: 1 } });
    expect(result.problem).toBe(
      'completed job without a recognizable image: output is {pics:[string],n:number}',
    );
  });
});

describe('failure reasons', () => {
  it.each<[string, unknown, string]>([
    ['a string', 'NSFW content detected', 'NSFW content detected'],
    ['JSON in a string', JSON.stringify({ message: 'CUDA out of memory' }), 'CUDA out of memory'],
    ['nested JSON in a string', JSON.stringify({ error: { detail: 'deep reason' } }), 'deep reason'],
    ['a JSON array in a string', JSON.stringify(['a', 'b']), 'a; b'],
    ['a JSON string in a string', JSON.stringify('quoted'), 'quoted'],
    [
      'an array',
      ['CUDA out of memory', 'worker exited with code 1'],
      'CUDA out of memory; worker exited with code 1',
    ],
    ['an array of objects', [{ message: 'first' }, { reason: 'second' }], 'first; second'],
    ['an object', { error_message: 'from the worker' }, 'from the worker'],
    [
      'bracketed text that is not JSON',
      '[Errno 28] No space left on device',
      '[Errno 28] No space left on device',
    ],
    ['JSON without a known field', '{"code":5}', '{"code":5}'],
    ['a number', 137, '137'],
  ])('error as %s', (_label, error, reason) => {
    expect(normalizeJobBody({ id: 'job-1', status: 'FAILED', error }).status).toEqual({
      state: 'failed',
      reason,
    });
  });

  it('falls back to the output, then to a default', () => {
    expect(normalizeJobBody({ status: 'FAILED', output: { message: 'from output' } }).status).toEqual({
      state: 'failed',
      reason: 'from output',
    });
    expect(normalizeJobBody({ status: 'FAILED' }).status).toEqual({
      state: 'failed',
      reason: 'no reason given',
    });
    expect(normalizeJobBody({ status: 'FAILED', error: { code: 1 } }).status).toEqual({
      state: 'failed',
      reason: 'no reason given',
    });
  });

  it('sanitizes the reason: control characters stripped, whitespace collapsed, at most 300 characters', () => {
    const error = `line one\r\n\tline two\u0000\u001b[31m red \u009b ${'x'.repeat(1_000)}`;
    const result = normalizeJobBody({ status: 'FAILED', error });
    if (result.status.state !== 'failed') throw new Error('expected failed');
    const { reason } = result.status;
    expect(reason.startsWith('line one line two [31m red x')).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting control characters are gone.
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(reason.length).toBe(300);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('sanitizeReason keeps short text, trims, and turns backticks into quotes', () => {
    expect(sanitizeReason('  bad `prompt`  ')).toBe("bad 'prompt'");
    expect(sanitizeReason('x'.repeat(300))).toBe('x'.repeat(300));
    expect(sanitizeReason('x'.repeat(301))).toBe(`${'x'.repeat(299)}…`);
  });

  it('never cuts an emoji in half at the 300-character cap', () => {
    const reason = sanitizeReason(`${'x'.repeat(298)}😀 and more text after it`);
    expect(reason).toBe(`${'x'.repeat(298)}…`);
    expect(reason).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('reasonFrom gives nothing for empty or absent errors', () => {
    expect(reasonFrom(undefined)).toBeUndefined();
    expect(reasonFrom(null)).toBeUndefined();
    expect(reasonFrom('   ')).toBeUndefined();
    expect(reasonFrom([])).toBeUndefined();
  });
});

describe('numeric or missing status', () => {
  it.each<[string, Record<string, unknown>, JobStatus]>([
    [
      'numeric status with images',
      { status: 200, output: { images: [pngUri] } },
      {
        state: 'completed',
        images: [inline(png, 'image/png')],
      },
    ],
    ['numeric status with an error', { status: 3, error: 'boom' }, { state: 'failed', reason: 'boom' }],
    ['no status with images', { output: png }, { state: 'completed', images: [inline(png)] }],
    ['numeric status and nothing else', { id: 'job-1', status: 1 }, { state: 'unknown', rawStatus: '1' }],
    ['no status and nothing else', { id: 'job-1' }, { state: 'unknown', rawStatus: 'missing' }],
    ['numeric status with an empty error', { status: 2, error: '' }, { state: 'unknown', rawStatus: '2' }],
  ])('%s', (_label, body, status) => {
    expect(normalizeJobBody(body).status).toEqual(status);
  });
});

describe('bodies it cannot read', () => {
  it('answers unknown for an unknown status, and describes keys, never values', () => {
    const secret = 'sk-live-0a1b2c3d4e5f6a7b8c9d';
    const body = {
      id: 'job-1',
      status: 'WIBBLE',
      api_key: secret,
      output: { token: `Bearer ${secret}`, images: [pngUri] },
      tags: ['a', secret],
    };

    const result = normalizeJobBody(body);

    expect(result.status).toEqual({ state: 'unknown', rawStatus: 'WIBBLE' });
    expect(result.problem).toBe(
      'unrecognized status in {id:string,status:string,api_key:string,output:{token:string,images:array},tags:[string,…]}',
    );
    expect(result.problem).not.toContain(secret);
    expect(result.problem).not.toContain('WIBBLE');
  });

  it.each<[unknown, string, string]>([
    [null, 'null', 'body is null'],
    ['sk-live-secret-string', 'string', 'body is string'],
    [[{ status: 'COMPLETED' }], 'object', 'body is [{status:string}]'],
    [42, 'number', 'body is number'],
  ])('a body that is not an object (%j) is unknown', (body, rawStatus, problem) => {
    expect(normalizeJobBody(body)).toEqual({ status: { state: 'unknown', rawStatus }, problem });
  });

  it('describeShape stays two levels deep and short', () => {
    expect(describeShape({ a: { b: { c: 1 } }, d: [1, 2, 3], e: [] })).toBe(
      '{a:{b:object},d:[number,…],e:[]}',
    );
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    expect(describeShape(wide).split(',')).toHaveLength(12);
  });

  it('leaves problem unset for bodies it understood', () => {
    expect(normalizeJobBody({ id: 'j', status: 'IN_QUEUE', delayTime: 10 }).problem).toBeUndefined();
  });
});

describe('looksLikeJobBody (non-2xx answers that still carry a job)', () => {
  it.each<[unknown, boolean]>([
    [{ id: 'job-1', status: 'FAILED', error: 'x' }, true],
    [{ job_id: 'job-1', status: 'IN_QUEUE' }, true],
    [{ jobId: 'job-1', status: 'completed' }, true],
    // A gateway's own error JSON is not a job: a 503 must stay retryable, a 404 must stay "not found".
    [{ status: 'error', message: 'upstream connect error' }, false],
    [{ id: '', status: 'FAILED' }, false],
    [{ id: 'job-1', status: 'WIBBLE' }, false],
    [{ id: 'job-1', status: 500 }, false],
    [{ error: 'job not found' }, false],
    ['<html>', false],
    [undefined, false],
  ])('%j → %s', (body, expected) => {
    expect(looksLikeJobBody(body)).toBe(expected);
  });
});

describe('text from the API cannot ping anyone', () => {
  it('turns angle brackets into look-alikes, so `<!channel>` and `<@&role>` are not mentions', () => {
    expect(sanitizeReason('boom <!channel> <@&123> <@U1>')).toBe('boom ‹!channel› ‹@&123› ‹@U1›');
  });
});

describe('images found by content, wherever the worker put them', () => {
  const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(60, 1)]).toString('base64');
  const notAnImage = Buffer.from('x'.repeat(120)).toString('base64');

  it.each<[string, unknown, ImageSource[]]>([
    ['base64 PNG in a field of its own name', { result_b64: png }, [inline(png, 'image/png')]],
    [
      'base64 JPEG deep in artifacts',
      { artifacts: [{ blob: { bytes: jpeg } }] },
      [inline(jpeg, 'image/jpeg')],
    ],
    [
      'base64 WebP and GIF side by side',
      { a: webp, b: gif },
      [inline(webp, 'image/webp'), inline(gif, 'image/gif')],
    ],
    ['a data URI in an unknown field', { picture: pngUri }, [inline(png, 'image/png')]],
    [
      'a data URI without a type, recognized by its bytes',
      { picture: `data:;base64,${jpeg}` },
      [inline(jpeg, 'image/jpeg')],
    ],
    [
      'an https URL in an unknown field',
      { file: 'https://cdn.example/f.png?sig=1' },
      [url('https://cdn.example/f.png?sig=1')],
    ],
    ['five levels down', { a: { b: { c: { d: { e: png } } } } }, [inline(png, 'image/png')]],
  ])('%s', (_label, output, images) => {
    expect(normalizeJobBody({ id: 'job-1', status: 'COMPLETED', output })).toEqual({
      status: { state: 'completed', images },
    });
  });

  it('looks at the known fields first', () => {
    expect(extractImages({ images: ['https://cdn.example/known.png'], extra: png })).toEqual([
      url('https://cdn.example/known.png'),
    ]);
  });

  it.each<[string, unknown]>([
    ['status words', { state: 'COMPLETED', phase: 'SUCCEEDED', note: 'done' }],
    [
      'an error message, even with a URL in it',
      { message: 'CUDA out of memory, see https://docs.example/oom' },
    ],
    ['a URL under an error field', { error_detail: 'https://status.example/incident/42' }],
    [
      'a long sentence',
      { summary: 'The worker finished every step but the safety checker removed the picture' },
    ],
    ['long base64 that is not an image', { blob: notAnImage }],
    ['the echoed input', { input: { init_image: png } }],
    ['a URL inside a sentence', { info: 'uploaded to https://cdn.example/x.png earlier' }],
  ])('never mistakes %s for an image', (_label, output) => {
    expect(extractImages(output)).toEqual([]);
    expect(normalizeJobBody({ id: 'job-1', status: 'COMPLETED', output }).status.state).toBe('failed');
  });

  it('stops after a bounded depth and number of values', () => {
    let deep: unknown = png;
    for (let i = 0; i < 8; i++) deep = { wrap: deep };
    expect(extractImages(deep)).toEqual([]);
    const wide = {
      ...Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 'x'])),
      last: png,
    };
    // The image after 5,000 other values is past the bound: the search gave up before reaching it.
    expect(extractImages(wide)).toEqual([]);
  });
});

describe('job timing (delayTime, executionTime)', () => {
  it.each<[unknown, unknown]>([
    [{ id: 'j', status: 'IN_QUEUE', delayTime: 120 }, { queuedMs: 120 }],
    [
      { id: 'j', status: 'IN_PROGRESS', delayTime: 120, executionTime: 2400.6 },
      { queuedMs: 120, ranMs: 2401 },
    ],
    [
      { id: 'j', status: 'IN_PROGRESS', delayTime: '80', executionTime: ' 900 ' },
      { queuedMs: 80, ranMs: 900 },
    ],
    [{ id: 'j', status: 'IN_PROGRESS', executionTime: 900 }, { ranMs: 900 }],
    [{ id: 'j', status: 'IN_PROGRESS', delayTime: -1, executionTime: 'soon' }, undefined],
    [{ id: 'j', status: 'IN_PROGRESS', delayTime: 1e12, executionTime: null }, undefined],
    [{ id: 'j', status: 'IN_PROGRESS' }, undefined],
  ])('reads %j as %j', (body, timing) => {
    expect(normalizeJobBody(body).timing).toEqual(timing);
  });

  it('keeps the timing of a completed job alongside its images', () => {
    const body = {
      id: 'j',
      status: 'COMPLETED',
      delayTime: 300,
      executionTime: 4100,
      output: { image_url: 'https://x.example/a.png' },
    };
    const normalized = normalizeJobBody(body);
    expect(normalized.status.state).toBe('completed');
    expect(normalized.timing).toEqual({ queuedMs: 300, ranMs: 4100 });
  });
});
