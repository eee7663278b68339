import type { LookupFunction } from 'node:net';
import sharp from 'sharp';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sniffImageType } from '../../src/core/image-type.js';
import { createImageFetcher, type ImageFetcherOptions, imageFileName } from '../../src/core/images.js';
import type { ImageSource } from '../../src/core/job-status.js';
import {
  type LoopbackHandler,
  type LoopbackServer,
  reply,
  startLoopbackServer,
  streamFiller,
} from './loopback-server.js';

const MiB = 1024 * 1024;
const PRIVATE_REASON = 'the image is on a private network address, which the bot does not fetch';
const NOT_AN_IMAGE = 'the API sent something that is not a PNG, JPEG, WebP or GIF image';

async function tinyImage(format: 'png' | 'jpeg' | 'webp' | 'gif'): Promise<Buffer> {
  return sharp({ create: { width: 2, height: 2, channels: 3, background: '#36c' } })
    [format]()
    .toBuffer();
}

let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
let gif: Buffer;
let images: LoopbackServer;

/** Serves images and the ways an image host can misbehave. */
function imageRoutes(server: () => LoopbackServer): LoopbackHandler {
  return (req, res) => {
    const path = req.path;
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (hop) {
      const left = Number(hop[1]);
      if (left === 0) return reply(res, 200, png, { 'content-type': 'image/png' });
      // Relative (odd) and absolute (even) Locations alternate: both must be followed.
      const next = `/hop/${left - 1}`;
      return reply(res, left % 2 === 1 ? 301 : 302, '', {
        location: left % 2 === 1 ? next : `${server().url}${next}`,
      });
    }
    switch (path) {
      case '/a.png':
        return reply(res, 200, png, { 'content-type': 'image/png' });
      case '/photo.png':
        // The URL says PNG, the server says PNG, the bytes are a JPEG.
        return reply(res, 200, jpeg, { 'content-type': 'image/png' });
      case '/pic':
        return reply(res, 200, webp, { 'content-type': 'application/octet-stream' });
      case '/anim.gif':
        return reply(res, 200, gif, { 'content-type': 'image/gif' });
      case '/page.html':
        return reply(res, 200, '<!doctype html><html><body>Not found, but 200</body></html>', {
          'content-type': 'text/html',
        });
      case '/gone.png':
        return reply(res, 404, 'not here');
      case '/stream-big':
        // No content-length: only the streaming cap can stop it.
        return streamFiller(res, 3 * MiB, { 'content-type': 'image/png' });
      case '/declared-big':
        // Declares more than the cap, then stalls: only a content-length check ends this before the timeout.
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(2 * MiB) });
        res.write(png);
        return;
      case '/slow.png':
        return; // never answers
      case '/to-loopback':
        return reply(res, 302, '', { location: `http://127.0.0.1:${server().port}/a.png` });
      case '/to-localhost':
        return reply(res, 302, '', { location: `http://localhost:${server().port}/a.png` });
      case '/to-ipv6-loopback':
        return reply(res, 302, '', { location: `http://[::1]:${server().port}/a.png` });
      case '/to-mapped-loopback':
        return reply(res, 302, '', { location: `http://[::ffff:127.0.0.1]:${server().port}/a.png` });
      case '/to-metadata':
        return reply(res, 302, '', { location: 'http://169.254.169.254/latest/meta-data/' });
      case '/to-file':
        return reply(res, 302, '', { location: 'file:///etc/passwd' });
      default:
        return reply(res, 404, 'no route');
    }
  };
}

beforeAll(async () => {
  [png, jpeg, webp, gif] = await Promise.all([
    tinyImage('png'),
    tinyImage('jpeg'),
    tinyImage('webp'),
    tinyImage('gif'),
  ]);
  images = await startLoopbackServer(imageRoutes(() => images));
});
afterAll(async () => {
  await images.close();
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  images.requests.length = 0;
  await Promise.all(closers.splice(0).map((close) => close()));
});

function fetcher(options: Partial<ImageFetcherOptions> = {}) {
  const created = createImageFetcher({ maxBytes: MiB, allowPrivateHosts: true, ...options });
  closers.push(() => created.close());
  return created;
}

/** A dispatcher that resolves every host name to loopback: a "public" host the test controls. */
function publicNamesToLoopback(): Agent {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  const agent = new Agent({ connect: { lookup } });
  closers.push(() => agent.destroy());
  return agent;
}

const url = (path: string): ImageSource => ({ kind: 'url', url: `${images.url}${path}` });
const inline = (bytes: Buffer, mimeType?: string): ImageSource =>
  mimeType
    ? { kind: 'inline', base64: bytes.toString('base64'), mimeType }
    : { kind: 'inline', base64: bytes.toString('base64') };

describe('inline images', () => {
  it('decodes raw base64 and data-URI payloads, naming files by their real type', async () => {
    const result = await fetcher().resolve('job-1', [
      inline(png),
      // The data URI claims PNG; the bytes are a JPEG, and the file is named for what it is.
      inline(jpeg, 'image/png'),
      inline(webp, 'image/webp'),
      inline(gif),
    ]);

    expect(result.failures).toEqual([]);
    expect(result.files.map((file) => [file.name, file.type.mimeType])).toEqual([
      ['job-1-1.png', 'image/png'],
      ['job-1-2.jpg', 'image/jpeg'],
      ['job-1-3.webp', 'image/webp'],
      ['job-1-4.gif', 'image/gif'],
    ]);
    expect(result.files[1]?.bytes.equals(jpeg)).toBe(true);
    expect(result.files[0]?.sourceUrl).toBeUndefined();
  });

  it('decodes URL-safe base64', async () => {
    const urlSafe = png.toString('base64url');
    const result = await fetcher().resolve('job-1', [{ kind: 'inline', base64: urlSafe }]);
    expect(result.files[0]?.bytes.equals(png)).toBe(true);
  });

  it('refuses inline bytes that are not an image', async () => {
    const html = Buffer.from('<html><body>oops</body></html>');
    const result = await fetcher().resolve('job-1', [inline(html, 'image/png')]);
    expect(result).toEqual({ files: [], failures: [{ index: 0, reason: NOT_AN_IMAGE }] });
  });

  it('refuses an inline image over the cap before decoding it', async () => {
    const result = await fetcher({ maxBytes: 1024 }).resolve('job-1', [
      { kind: 'inline', base64: 'A'.repeat(4096) },
    ]);
    expect(result.failures).toEqual([{ index: 0, reason: 'the image is larger than 1 KiB' }]);
  });

  it.each([
    [25 * MiB, 'the image is larger than 25 MiB'],
    [1.5 * MiB, 'the image is larger than 1.5 MiB'],
    [512 * 1024, 'the image is larger than 512 KiB'],
  ])('states a cap of %i bytes in words a person can read', async (maxBytes, reason) => {
    const tooBig = { kind: 'inline', base64: 'A'.repeat(Math.ceil((maxBytes * 4) / 3) + 8) } as const;
    const result = await fetcher({ maxBytes }).resolve('job-1', [tooBig]);
    expect(result.failures[0]?.reason).toBe(reason);
  });
});

describe('downloads', () => {
  it('downloads from a loopback server when private hosts are allowed', async () => {
    const result = await fetcher().resolve('job-1', [url('/a.png')]);

    expect(result.failures).toEqual([]);
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({
      name: 'job-1-1.png',
      type: { mimeType: 'image/png', extension: 'png' },
      sourceUrl: `${images.url}/a.png`,
    });
    expect(result.files[0]?.bytes.equals(png)).toBe(true);
    expect(images.requests[0]?.method).toBe('GET');
    expect(images.requests[0]?.headers.accept).toContain('image/png');
  });

  it('names the file from the sniffed type, not the URL or the content-type', async () => {
    const result = await fetcher().resolve('job-7', [url('/photo.png'), url('/pic')]);
    expect(result.files.map((file) => file.name)).toEqual(['job-7-1.jpg', 'job-7-2.webp']);
  });

  it('refuses a body that is not an image (an HTML page answered 200)', async () => {
    const result = await fetcher().resolve('job-1', [url('/page.html')]);
    expect(result).toEqual({
      files: [],
      failures: [{ index: 0, reason: NOT_AN_IMAGE, sourceUrl: `${images.url}/page.html` }],
    });
  });

  it('reports an HTTP error status', async () => {
    const result = await fetcher().resolve('job-1', [url('/gone.png')]);
    expect(result.failures[0]?.reason).toBe('the image download answered HTTP 404');
  });

  it('enforces the cap while streaming when there is no content-length', async () => {
    const result = await fetcher({ maxBytes: MiB }).resolve('job-1', [url('/stream-big')]);
    expect(result.files).toEqual([]);
    expect(result.failures[0]?.reason).toBe('the image is larger than 1 MiB');
  });

  it('refuses a declared content-length over the cap without reading the body', async () => {
    const result = await fetcher({ maxBytes: MiB, timeoutMs: 5_000 }).resolve('job-1', [
      url('/declared-big'),
    ]);
    // Had it waited for the body, this would be a timeout: the server stalls after the first bytes.
    expect(result.failures[0]?.reason).toBe('the image is larger than 1 MiB');
  });

  it('times out a server that never answers', async () => {
    const result = await fetcher({ timeoutMs: 100 }).resolve('job-1', [url('/slow.png')]);
    expect(result.failures[0]?.reason).toBe('the image download timed out after 0.1 s');
  });

  it('rejects with the caller’s abort reason', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    const pending = fetcher().resolve('job-1', [url('/slow.png')], controller.signal);
    await images.waitForRequests(1);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('follows redirects up to the limit (relative and absolute Locations)', async () => {
    const result = await fetcher({ maxRedirects: 3 }).resolve('job-1', [url('/hop/3')]);
    expect(result.failures).toEqual([]);
    expect(result.files[0]?.bytes.equals(png)).toBe(true);
    expect(images.requests.map((r) => r.path)).toEqual(['/hop/3', '/hop/2', '/hop/1', '/hop/0']);
  });

  it('refuses a redirect chain longer than the limit', async () => {
    const result = await fetcher({ maxRedirects: 3 }).resolve('job-1', [url('/hop/4')]);
    expect(result.failures[0]?.reason).toBe('the image URL redirected more than 3 times');
    expect(images.requests).toHaveLength(4);
  });

  it('keeps every image: one bad one among several yields files and a failure, never silence', async () => {
    const result = await fetcher().resolve('job-3', [
      url('/a.png'),
      url('/page.html'),
      inline(webp),
      url('/gone.png'),
      url('/anim.gif'),
    ]);

    expect(result.files.map((file) => file.name)).toEqual(['job-3-1.png', 'job-3-3.webp', 'job-3-5.gif']);
    expect(result.failures).toEqual([
      { index: 1, reason: NOT_AN_IMAGE, sourceUrl: `${images.url}/page.html` },
      { index: 3, reason: 'the image download answered HTTP 404', sourceUrl: `${images.url}/gone.png` },
    ]);
  });
});

describe('private hosts and schemes', () => {
  it.each([
    ['a literal 127.0.0.1', (port: number) => `http://127.0.0.1:${port}/a.png`],
    ['localhost', (port: number) => `http://localhost:${port}/a.png`],
    ['LOCALHOST in capitals', (port: number) => `http://LOCALHOST:${port}/a.png`],
    ['an IPv6 loopback', (port: number) => `http://[::1]:${port}/a.png`],
    ['an IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/a.png`],
    ['a short-form 127.1', (port: number) => `http://127.1:${port}/a.png`],
    ['0.0.0.0', (port: number) => `http://0.0.0.0:${port}/a.png`],
    ['a private 10/8 address', () => 'http://10.1.2.3/a.png'],
    ['a cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses %s when private hosts are not allowed, without connecting', async (_label, target) => {
    const result = await fetcher({ allowPrivateHosts: false }).resolve('job-1', [
      { kind: 'url', url: target(images.port) },
    ]);

    expect(result.files).toEqual([]);
    expect(result.failures).toEqual([{ index: 0, reason: PRIVATE_REASON, sourceUrl: target(images.port) }]);
    expect(images.requests).toHaveLength(0);
  });

  it.each([
    ['/to-loopback'],
    ['/to-localhost'],
    ['/to-ipv6-loopback'],
    ['/to-mapped-loopback'],
    ['/to-metadata'],
  ])('refuses a redirect from a public host to a private address (%s)', async (path) => {
    const result = await fetcher({ allowPrivateHosts: false, transport: publicNamesToLoopback() }).resolve(
      'job-1',
      [{ kind: 'url', url: `http://images.example:${images.port}${path}` }],
    );

    expect(result.failures[0]?.reason).toBe(PRIVATE_REASON);
    // The public host was asked; the private target never was.
    expect(images.requests.map((r) => r.path)).toEqual([path]);
  });

  it('follows a redirect that stays on a public host', async () => {
    const result = await fetcher({ allowPrivateHosts: false, transport: publicNamesToLoopback() }).resolve(
      'job-1',
      [{ kind: 'url', url: `http://images.example:${images.port}/hop/1` }],
    );
    expect(result.failures).toEqual([]);
    expect(result.files[0]?.bytes.equals(png)).toBe(true);
    expect(images.requests.map((r) => [r.path, r.headers.host])).toEqual([
      ['/hop/1', `images.example:${images.port}`],
      ['/hop/0', `images.example:${images.port}`],
    ]);
  });

  it.each([
    ['ftp', 'ftp://images.example/a.png', 'the image URL uses ftp, not http or https'],
    ['file', 'file:///etc/passwd', 'the image URL uses file, not http or https'],
    ['javascript', 'javascript:alert(1)', 'the image URL uses javascript, not http or https'],
    ['gopher', 'gopher://127.0.0.1:6379/_INFO', 'the image URL uses gopher, not http or https'],
    ['not a URL', 'not a url at all', 'the image URL is not a valid URL'],
  ])('refuses a %s URL', async (_label, target, reason) => {
    const result = await fetcher().resolve('job-1', [{ kind: 'url', url: target }]);
    expect(result.failures).toEqual([{ index: 0, reason, sourceUrl: target }]);
  });

  it('refuses a redirect to a file: URL', async () => {
    const result = await fetcher().resolve('job-1', [url('/to-file')]);
    expect(result.failures[0]?.reason).toBe('the image URL uses file, not http or https');
  });
});

describe('file names and types', () => {
  it.each([
    ['job-1', 1, 'job-1-1.png'],
    ['a/b:c d', 2, 'a_b_c_d-2.png'],
    ['../../etc/x', 1, '.._.._etc_x-1.png'],
  ])('imageFileName(%j, %i) is %j', (jobId, position, name) => {
    expect(imageFileName(jobId, position, { mimeType: 'image/png', extension: 'png' })).toBe(name);
  });

  it('sniffs PNG, JPEG, WebP and GIF by magic bytes, and nothing else', () => {
    expect(sniffImageType(png)?.extension).toBe('png');
    expect(sniffImageType(jpeg)?.extension).toBe('jpg');
    expect(sniffImageType(webp)?.extension).toBe('webp');
    expect(sniffImageType(gif)?.extension).toBe('gif');
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]);
    expect(sniffImageType(wav)).toBeUndefined();
    expect(sniffImageType(Buffer.from('<html>'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
    expect(sniffImageType(png.subarray(0, 4))).toBeUndefined();
  });
});
