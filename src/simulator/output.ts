/**
 * Laying images out in a job's `output`, in each of the shapes real RunPod workers use, so the bot's
 * tolerant parser can be tested against all of them.
 */

import { type EncodedImage, toDataUri } from './images.js';
import type { OutputShape } from './scenarios.js';
import type { ImageDelivery } from './types.js';

/** Builds the URL the simulator serves image `n` of the job at. */
export type ImageUrlOf = (n: number, image: EncodedImage) => string;

function deliver(image: EncodedImage, n: number, delivery: ImageDelivery, urlOf: ImageUrlOf): string {
  if (delivery === 'url') return urlOf(n, image);
  if (delivery === 'base64') return image.bytes.toString('base64');
  return toDataUri(image);
}

/**
 * The `output` value for `images` in `shape`. `delivery` applies where the shape leaves it open;
 * shapes whose field name implies an encoding use it: `image_url`/`urlobjects` a URL,
 * `dataobjects`/`bare` raw base64. Single-image shapes carry the first image only.
 */
export function buildImageOutput(
  images: readonly EncodedImage[],
  shape: OutputShape,
  delivery: ImageDelivery,
  urlOf: ImageUrlOf,
): unknown {
  const encodeAll = (d: ImageDelivery) => images.map((image, n) => deliver(image, n, d, urlOf));
  const first = (d: ImageDelivery) => encodeAll(d)[0] ?? '';
  switch (shape) {
    case 'images':
      return { images: encodeAll(delivery) };
    case 'image_url':
      return { image_url: first('url') };
    case 'objects':
      return { images: encodeAll(delivery).map((image) => ({ image })) };
    case 'urlobjects':
      return { images: encodeAll('url').map((url) => ({ url })) };
    case 'dataobjects':
      return { images: encodeAll('base64').map((data) => ({ data })) };
    case 'array':
      return encodeAll(delivery).map((image) => ({ image }));
    case 'bare':
      return first('base64');
    case 'result':
      return { result: first(delivery) };
  }
}
