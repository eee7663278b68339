/**
 * Deterministic pictures for simulated jobs: the same prompt, seed and index always give the same
 * bytes, so tests can compare what the bot posted with what the API served.
 */

import { createCipheriv, createHash } from 'node:crypto';
import sharp from 'sharp';
import type { ImageFormat } from './scenarios.js';

/** An encoded image and how to label it. */
export interface EncodedImage {
  bytes: Buffer;
  mimeType: string;
  /** File extension without the dot, used in image URLs. */
  extension: string;
}

/** What to draw: the picture depends on prompt, seed and index only; size and format on the rest. */
export interface PromptPicture {
  prompt: string;
  seed: number;
  index: number;
  width: number;
  height: number;
  format: ImageFormat;
}

const MIME_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };
const EXTENSIONS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };
const GRID = 4;

function colorAt(digest: Buffer, offset: number): [number, number, number] {
  return [digest[offset] ?? 0, digest[offset + 1] ?? 0, digest[offset + 2] ?? 0];
}

/**
 * Draws a diagonal gradient between two colours picked from a hash of the prompt, with a 4x4 grid of
 * blocks in a third colour where the hash has a bit set, and `index + 1` white marks along the top so
 * the images of one batch differ visibly.
 */
export async function drawPromptPicture(picture: PromptPicture): Promise<EncodedImage> {
  const { width, height } = picture;
  const digest = createHash('sha256').update(`${picture.prompt}\0${picture.seed}\0${picture.index}`).digest();
  const [from, to, block] = [colorAt(digest, 0), colorAt(digest, 3), colorAt(digest, 6)];
  const blockBits = ((digest[9] ?? 0) << 8) | (digest[10] ?? 0);
  const markSize = Math.max(2, Math.floor(Math.min(width, height) / 16));
  const raw = Buffer.alloc(width * height * 3);

  for (let y = 0; y < height; y++) {
    const cellY = Math.min(GRID - 1, Math.floor((y * GRID) / height));
    for (let x = 0; x < width; x++) {
      const cellX = Math.min(GRID - 1, Math.floor((x * GRID) / width));
      const t = (x / Math.max(1, width - 1) + y / Math.max(1, height - 1)) / 2;
      const inBlock = (blockBits >> (cellY * GRID + cellX)) & 1;
      const isMark =
        y < markSize && x % (markSize * 2) < markSize && Math.floor(x / (markSize * 2)) <= picture.index;
      const offset = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const gradient = (from[c] ?? 0) * (1 - t) + (to[c] ?? 0) * t;
        const shaded = inBlock ? gradient * 0.3 + (block[c] ?? 0) * 0.7 : gradient;
        raw[offset + c] = isMark ? 255 : Math.round(shaded);
      }
    }
  }
  return encode(sharp(raw, { raw: { width, height, channels: 3 } }), picture.format);
}

/**
 * A PNG of about `mib` MiB of seeded noise: noise does not compress, so the file stays large, which is
 * what size-limit tests need. The noise is an AES-CTR keystream: fast and reproducible from the seed.
 */
export async function drawNoisePng(mib: number, seedText: string): Promise<EncodedImage> {
  const side = Math.ceil(Math.sqrt((mib * 1024 * 1024) / 3));
  const key = createHash('sha256').update(seedText).digest().subarray(0, 16);
  const noise = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(side * side * 3));
  // Level 0 stores the noise as is: deflate would spend time for nothing.
  const image = sharp(noise, { raw: { width: side, height: side, channels: 3 } }).png({
    compressionLevel: 0,
    adaptiveFiltering: false,
  });
  return { bytes: await image.toBuffer(), mimeType: MIME_TYPES.png, extension: EXTENSIONS.png };
}

async function encode(image: sharp.Sharp, format: ImageFormat): Promise<EncodedImage> {
  const encoded =
    format === 'jpeg'
      ? image.jpeg({ quality: 85 })
      : format === 'webp'
        ? image.webp({ quality: 80 })
        : image.png();
  return { bytes: await encoded.toBuffer(), mimeType: MIME_TYPES[format], extension: EXTENSIONS[format] };
}

/** `bytes` as a `data:` URI. */
export function toDataUri(image: EncodedImage): string {
  return `data:${image.mimeType};base64,${image.bytes.toString('base64')}`;
}
