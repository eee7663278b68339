/**
 * Fits a job's images into what Discord accepts: each file under the interaction's `attachment_size_limit`,
 * at most 10 files and 25 MiB per request (https://discord.com/developers/docs/reference#uploading-files).
 * An image over the limit is re-encoded (WebP, then JPEG at falling quality, then downscaled); one that still
 * cannot fit is replaced by its original URL, or a sentence saying so. No image is ever dropped silently.
 */
import type { Sharp, SharpOptions } from 'sharp';
import type { ImageFile } from '../../core/images.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT } from './delivery.js';
import type { UploadFile } from './messenger.js';

/** Discord caps a whole request at 25 MiB, whatever the per-file limit of a boosted server. */
export const REQUEST_SIZE_CAP = 25 * 1024 * 1024;
/** Discord accepts at most 10 attachments per message. */
export const FILES_PER_MESSAGE = 10;
/** Room left in each request for the multipart framing and the JSON payload. */
const REQUEST_OVERHEAD = 64 * 1024;
/** Below this width a picture is no longer worth posting: give the link instead. */
const MIN_WIDTH = 16;

/** What one message may carry. */
export interface UploadLimits {
  fileBytes: number;
  requestBytes: number;
  filesPerMessage: number;
}

/** A file ready to upload, with the image it came from (to re-encode it smaller if Discord still refuses). */
export interface PlannedUpload extends UploadFile {
  source: ImageFile;
}

/** The messages to send: batches of files, and lines for images that could not be attached. */
export interface UploadPlan {
  batches: PlannedUpload[][];
  notes: string[];
}

/** The limits for an interaction's `attachmentSizeLimit` (10 MiB when Discord did not say). */
export function uploadLimits(attachmentSizeLimit: number | undefined): UploadLimits {
  const requestBytes = REQUEST_SIZE_CAP - REQUEST_OVERHEAD;
  const perFile =
    attachmentSizeLimit && attachmentSizeLimit > 0 ? attachmentSizeLimit : DEFAULT_ATTACHMENT_SIZE_LIMIT;
  return { fileBytes: Math.min(perFile, requestBytes), requestBytes, filesPerMessage: FILES_PER_MESSAGE };
}

/**
 * Limits for the retry after Discord answered 40005 Payload Too Large: half of what it refused, so every
 * refused file is re-encoded smaller even when it was under the limit the bot believed in.
 */
export function smallerLimits(limits: UploadLimits, refused: readonly UploadFile[]): UploadLimits {
  const largest = Math.max(0, ...refused.map((file) => file.bytes.length));
  const total = refused.reduce((sum, file) => sum + file.bytes.length, 0);
  return {
    ...limits,
    fileBytes: Math.floor(Math.min(limits.fileBytes, largest) / 2),
    requestBytes: Math.floor(Math.min(limits.requestBytes, total) / 2),
  };
}

/** Fits every image, then packs them into as few messages as the limits allow, in order. */
export async function planUploads(files: readonly ImageFile[], limits: UploadLimits): Promise<UploadPlan> {
  const plan: UploadPlan = { batches: [], notes: [] };
  let batch: PlannedUpload[] = [];
  let batchBytes = 0;
  for (const file of files) {
    const fitted = await fitImage(file, Math.min(limits.fileBytes, limits.requestBytes));
    if (!fitted) {
      plan.notes.push(tooLargeNote(file, limits.fileBytes));
      continue;
    }
    if (fitted.name !== file.name) {
      plan.notes.push(`\`${file.name}\` was re-encoded as \`${fitted.name}\` to fit Discord's upload limit.`);
    }
    if (batch.length >= limits.filesPerMessage || batchBytes + fitted.bytes.length > limits.requestBytes) {
      plan.batches.push(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push(fitted);
    batchBytes += fitted.bytes.length;
  }
  if (batch.length > 0) plan.batches.push(batch);
  return plan;
}

/** The line that replaces an image that could not be attached. */
export function tooLargeNote(file: ImageFile, limitBytes: number): string {
  const sizes = `${formatMiB(file.bytes.length)}, limit here ${formatMiB(limitBytes)}`;
  return file.sourceUrl
    ? `\`${file.name}\` is too large to upload here (${sizes}); the original: ${file.sourceUrl}`
    : `\`${file.name}\` is too large to upload here (${sizes}), and the API gave no link to it.`;
}

function formatMiB(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const mib = bytes / 1024 / 1024;
  return mib >= 1 ? `${mib.toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/** The image as is when it fits, else the first re-encoding that fits, else undefined. */
export async function fitImage(file: ImageFile, limitBytes: number): Promise<PlannedUpload | undefined> {
  if (file.bytes.length <= limitBytes) {
    return { name: file.name, bytes: file.bytes, contentType: file.type.mimeType, source: file };
  }
  try {
    const encoded = await reencode(file.bytes, limitBytes);
    if (!encoded) return undefined;
    const base = file.name.replace(/\.[A-Za-z0-9]+$/, '');
    return {
      name: `${base}.${encoded.extension}`,
      bytes: encoded.bytes,
      contentType: encoded.mimeType,
      source: file,
    };
  } catch {
    // sharp could not decode it: the caller posts the link or says so.
    return undefined;
  }
}

/** sharp, loaded the first time an image needs re-encoding: most results fit as they are, and start-up is faster without it. */
let sharpModule: Promise<(input: Buffer, options?: SharpOptions) => Sharp> | undefined;
function loadSharp(): Promise<(input: Buffer, options?: SharpOptions) => Sharp> {
  sharpModule ??= import('sharp').then((module) => module.default);
  return sharpModule;
}

interface Encoded {
  bytes: Buffer;
  mimeType: 'image/webp' | 'image/jpeg';
  extension: 'webp' | 'jpg';
}

async function encode(
  input: Buffer,
  format: 'webp' | 'jpeg',
  quality: number,
  width?: number,
): Promise<Encoded> {
  // Animated GIFs and WebPs stay animated in WebP; JPEG keeps the first frame on white (it has no alpha).
  const sharp = await loadSharp();
  let image = sharp(input, { animated: format === 'webp' });
  if (width !== undefined) image = image.resize({ width, withoutEnlargement: true });
  if (format === 'webp') {
    return { bytes: await image.webp({ quality }).toBuffer(), mimeType: 'image/webp', extension: 'webp' };
  }
  const bytes = await image.flatten({ background: '#ffffff' }).jpeg({ quality, mozjpeg: true }).toBuffer();
  return { bytes, mimeType: 'image/jpeg', extension: 'jpg' };
}

/** WebP then JPEG at falling quality, then smaller and smaller pictures, until one fits. */
async function reencode(input: Buffer, limitBytes: number): Promise<Encoded | undefined> {
  let smallest: Encoded | undefined;
  const ladder = [
    ['webp', 80],
    ['jpeg', 80],
    ['webp', 55],
    ['jpeg', 55],
  ] as const;
  for (const [format, quality] of ladder) {
    const encoded = await encode(input, format, quality);
    if (encoded.bytes.length <= limitBytes) return encoded;
    if (!smallest || encoded.bytes.length < smallest.bytes.length) smallest = encoded;
  }
  const { width } = await (await loadSharp())(input).metadata();
  let currentWidth = width ?? 0;
  let currentBytes = smallest?.bytes.length ?? input.length;
  for (let attempt = 0; attempt < 8; attempt++) {
    // Bytes scale with the area: aim a little under the limit, and always shrink by at least 10%.
    const scale = Math.min(0.9, Math.sqrt(limitBytes / currentBytes) * 0.9);
    currentWidth = Math.floor(currentWidth * Math.max(scale, 0.05));
    if (currentWidth < MIN_WIDTH) return undefined;
    const encoded = await encode(input, 'jpeg', 70, currentWidth);
    if (encoded.bytes.length <= limitBytes) return encoded;
    currentBytes = encoded.bytes.length;
  }
  return undefined;
}
