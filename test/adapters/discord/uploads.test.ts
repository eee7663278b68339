// The app's undici (v7) loads first, as in production (see status.test.ts).
import 'undici';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { splitContent } from '../../../src/adapters/discord/result-posts.js';
import {
  FILES_PER_MESSAGE,
  fitImage,
  planUploads,
  REQUEST_SIZE_CAP,
  uploadLimits,
} from '../../../src/adapters/discord/uploads.js';
import type { ImageFile } from '../../../src/core/images.js';
import { isOriginalEditOf, startDiscordWorld, type World } from '../../support/bot-world.js';
import { contentOf, jobIdOption, loggedSecrets, waitForOriginalEdit } from './discord-requests.js';

let world: World | undefined;
afterEach(async () => {
  if (world) expect(loggedSecrets(world)).toEqual([]);
  await world?.close();
  world = undefined;
});

const MiB = 1024 * 1024;

/** A PNG of `side`² random pixels: incompressible, so its size is predictable. */
async function noisePng(side: number, name: string, sourceUrl?: string): Promise<ImageFile> {
  const pixels = Buffer.alloc(side * side * 3);
  for (let index = 0; index < pixels.length; index++)
    pixels[index] = (index * 7919 + (index >> 5) * 104729) % 251;
  const bytes = await sharp(pixels, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return {
    name,
    bytes,
    type: { mimeType: 'image/png', extension: 'png' },
    ...(sourceUrl ? { sourceUrl } : {}),
  };
}

describe('fitting images to Discord upload limits', () => {
  it('re-encodes an image over the interaction’s limit into a valid image under it', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand({
      subcommand: 'status',
      options: [jobIdOption('big3-x')],
      attachmentSizeLimit: MiB,
    });
    const result = await waitForOriginalEdit(world, payload, (_content, request) => request.files.length > 0);
    const [file] = result.files;
    const original = await world.simulator.imageBytes('big3-x', 0);
    expect(original.length).toBeGreaterThan(MiB);
    expect(file?.bytes.length).toBeLessThanOrEqual(MiB);
    const metadata = await sharp(file?.bytes).metadata();
    expect(['webp', 'jpeg']).toContain(metadata.format);
    expect(file?.contentType).toBe(`image/${metadata.format}`);
    expect(contentOf(result)).toContain('re-encoded');
  });

  it('posts the original URL when even a tiny picture cannot fit', async () => {
    world = await startDiscordWorld();
    const payload = await world.discordCommand({
      subcommand: 'status',
      options: [jobIdOption('big1-x')],
      attachmentSizeLimit: 64,
    });
    const result = await waitForOriginalEdit(world, payload, (content) => content.includes('too large'));
    expect(result.files).toEqual([]);
    expect(contentOf(result)).toMatch(new RegExp(`the original: ${world.simulator.url}/\\S+`));
  });

  it('answers 40005 Payload Too Large by re-encoding smaller and retrying once', async () => {
    world = await startDiscordWorld();
    world.discord.respondNext(
      { method: 'PATCH', path: /\/messages\/@original$/ },
      { status: 413, json: { message: 'Request entity too large', code: 40005 } },
    );
    // The refusal lands on the first edit: make it the result by asking for a job already done.
    const payload = await world.discordCommand({ subcommand: 'status', options: [jobIdOption('done-big')] });
    const retry = await waitForOriginalEdit(
      world,
      payload,
      (_content, request) => request.status === 200 && request.files.length > 0,
    );
    const refused = world.discord.requests.find(
      (request) => isOriginalEditOf(payload)(request) && request.status === 413,
    );
    expect(refused?.files).toHaveLength(1);
    expect(retry.files[0]?.bytes.length).toBeLessThanOrEqual((refused?.files[0]?.bytes.length ?? 0) / 2);
    expect((await sharp(retry.files[0]?.bytes).metadata()).width).toBeGreaterThan(0);
    expect(world.log.entries().some((entry) => String(entry.msg).includes('too large'))).toBe(true);
  });

  it('packs at most 10 files and 25 MiB per message, in order', async () => {
    const small = await noisePng(64, 'small.png');
    const files = Array.from({ length: 12 }, (_, index) => ({ ...small, name: `job-${index + 1}.png` }));
    const plan = await planUploads(files, uploadLimits(undefined));
    expect(plan.batches.map((batch) => batch.map((file) => file.name))).toEqual([
      files.slice(0, FILES_PER_MESSAGE).map((file) => file.name),
      ['job-11.png', 'job-12.png'],
    ]);

    const sixMiB = await noisePng(1450, 'six.png');
    const big = Array.from({ length: 5 }, (_, index) => ({ ...sixMiB, name: `big-${index + 1}.png` }));
    const byRequest = await planUploads(big, { ...uploadLimits(50 * MiB) });
    for (const batch of byRequest.batches) {
      expect(batch.reduce((sum, file) => sum + file.bytes.length, 0)).toBeLessThanOrEqual(REQUEST_SIZE_CAP);
    }
    expect(byRequest.batches.flat().map((file) => file.name)).toEqual(big.map((file) => file.name));
    expect(byRequest.notes).toEqual([]);
  });

  it('never drops an image silently: a link when there is one, else a sentence', async () => {
    const withLink = await noisePng(128, 'a-1.png', 'https://images.example/a-1.png');
    const withoutLink = await noisePng(128, 'a-2.png');
    const plan = await planUploads([withLink, withoutLink], uploadLimits(40));
    expect(plan.batches).toEqual([]);
    expect(plan.notes).toEqual([
      expect.stringContaining(
        '`a-1.png` is too large to upload here (48 KiB, limit here 40 bytes); the original: https://images.example/a-1.png',
      ),
      expect.stringContaining(
        '`a-2.png` is too large to upload here (48 KiB, limit here 40 bytes), and the API gave no link to it.',
      ),
    ]);
    expect(await fitImage({ ...withLink, bytes: Buffer.from('not an image') }, 4)).toBeUndefined();
  });

  it('splits long text at line breaks so links are never cut', () => {
    const link = `https://images.example/${'x'.repeat(900)}`;
    const chunks = splitContent(['head', link, link, link].join('\n'));
    expect(chunks.every((chunk) => chunk.length <= 2000)).toBe(true);
    expect(chunks.join('\n')).toBe(['head', link, link, link].join('\n'));
    expect(chunks.length).toBe(2);
  });
});
