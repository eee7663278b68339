import type { LookupAddress, LookupOptions } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createImageFetcher } from '../../src/core/images.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from '../../src/core/network-guard.js';
import { type LoopbackServer, reply, startLoopbackServer } from './loopback-server.js';

/**
 * Names the test resolves itself. DNS is the one thing a loopback fake cannot stand in for (a public name
 * that resolves to a private address), so `node:dns` is mocked for these names only; others resolve for real.
 */
const fakeDns = vi.hoisted(
  () =>
    new Map<string, { address: string; family: number }[]>([
      ['loopback.example', [{ address: '127.0.0.1', family: 4 }]],
      ['intranet.example', [{ address: '10.20.30.40', family: 4 }]],
      ['v6-private.example', [{ address: 'fd12:3456::1', family: 6 }]],
      // One public and one private answer (DNS rebinding): refused, whichever the socket would pick.
      [
        'rebind.example',
        [
          { address: '93.184.216.34', family: 4 },
          { address: '192.168.1.10', family: 4 },
        ],
      ],
      [
        'public.example',
        [
          { address: '93.184.216.34', family: 4 },
          { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
        ],
      ],
    ]),
);

vi.mock('node:dns', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:dns')>();
  type Callback = (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void;
  const lookup = (hostname: string, options: LookupOptions, callback: Callback): void => {
    const answer = fakeDns.get(hostname);
    if (!answer) {
      actual.lookup(hostname, { ...options, all: true }, callback);
      return;
    }
    setImmediate(() => callback(null, answer));
  };
  return { ...actual, lookup };
});

describe('isPrivateAddress', () => {
  it.each<[string, boolean]>([
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['172.15.255.255', false],
    ['172.32.0.1', false],
    ['192.168.0.1', true],
    ['192.168.255.254', true],
    ['192.169.0.1', false],
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['100.63.255.255', false],
    ['100.128.0.0', false],
    ['0.0.0.0', true],
    ['224.0.0.251', true],
    ['::1', true],
    ['[::1]', true],
    ['::', true],
    ['fc00::1', true],
    ['fd12:3456::1', true],
    ['fe80::1', true],
    ['febf::1', true],
    ['fec0::1', false],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::FFFF:10.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['[::ffff:192.168.1.1]', true],
    ['::ffff:8.8.8.8', false],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['93.184.216.34', false],
    ['2606:4700:4700::1111', false],
    ['2001:4860:4860::8888', false],
    // Not an IP literal: names are checked by the lookup hook instead.
    ['example.com', false],
    ['localhost', false],
  ])('%s → %s', (address, expected) => {
    expect(isPrivateAddress(address)).toBe(expected);
  });
});

/** Calls guardedLookup and returns what it called back with. */
function lookUp(
  hostname: string,
  options: LookupOptions,
): Promise<{ error: Error | null; address: string | LookupAddress[]; family: number | undefined }> {
  return new Promise((resolve) => {
    guardedLookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

describe('guardedLookup', () => {
  it.each(['loopback.example', 'intranet.example', 'v6-private.example', 'rebind.example', 'localhost'])(
    'refuses %s, which resolves to a private address',
    async (hostname) => {
      const { error } = await lookUp(hostname, {});
      expect(error).toBeInstanceOf(PrivateAddressError);
      expect(error).toMatchObject({ code: 'EPRIVATEADDRESS' });
      expect(error?.message).toBe(`${hostname} resolves to a private address`);
    },
  );

  it('passes a public name through, as one address or all of them', async () => {
    expect(await lookUp('public.example', {})).toEqual({ error: null, address: '93.184.216.34', family: 4 });
    expect(await lookUp('public.example', { all: true })).toEqual({
      error: null,
      address: fakeDns.get('public.example'),
      family: undefined,
    });
  });

  it('passes a public IP literal through', async () => {
    expect(await lookUp('93.184.216.34', {})).toMatchObject({ error: null, address: '93.184.216.34' });
  });
});

describe('the image fetcher’s own guard', () => {
  let server: LoopbackServer;
  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => reply(res, 200, 'never fetched'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a public-looking name that resolves to loopback, at connect time', async () => {
    const fetcher = createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false });
    try {
      const target = `http://loopback.example:${server.port}/a.png`;
      const result = await fetcher.resolve('job-1', [{ kind: 'url', url: target }]);
      expect(result).toEqual({
        files: [],
        failures: [
          {
            index: 0,
            reason: 'the image is on a private network address, which the bot does not fetch',
            sourceUrl: target,
          },
        ],
      });
      expect(server.requests).toHaveLength(0);
    } finally {
      await fetcher.close();
    }
  });
});
