/** Image types the bot posts, recognized by their magic bytes rather than by what a server claims. */

/** A recognized image type. */
export interface ImageType {
  mimeType: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  extension: 'png' | 'jpg' | 'webp' | 'gif';
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];
const GIF = [0x47, 0x49, 0x46, 0x38];
const RIFF = [0x52, 0x49, 0x46, 0x46];
const WEBP = [0x57, 0x45, 0x42, 0x50];

/** Returns the image type of `bytes`, or undefined when they are not a PNG, JPEG, WebP or GIF. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, PNG)) return { mimeType: 'image/png', extension: 'png' };
  if (startsWith(bytes, JPEG)) return { mimeType: 'image/jpeg', extension: 'jpg' };
  if (startsWith(bytes, GIF)) return { mimeType: 'image/gif', extension: 'gif' };
  if (startsWith(bytes, RIFF) && startsWith(bytes.subarray(8), WEBP)) {
    return { mimeType: 'image/webp', extension: 'webp' };
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return bytes.length >= magic.length && magic.every((byte, index) => bytes[index] === byte);
}
