/**
 * Reading an HTTP body without trusting its size: the cap is enforced while streaming, so a 50 MB answer
 * costs at most `maxBytes` of memory before it is cut off.
 */

/** Thrown when a body grows past its cap; the caller maps it to its own typed error. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(readonly maxBytes: number) {
    super(`body is larger than ${maxBytes} bytes`);
  }
}

/** A readable body as undici's `request()` returns it. */
export interface StreamingBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/**
 * Collects `body` into one Buffer, or throws `BodyTooLargeError` as soon as it passes `maxBytes`. With a
 * trustworthy `declaredLength` (content-length) the bytes are copied straight into one buffer of that size,
 * so a large image is held once rather than as chunks plus their concatenation.
 */
export async function readCapped(
  body: StreamingBody,
  maxBytes: number,
  declaredLength?: number,
): Promise<Buffer> {
  if (
    declaredLength !== undefined &&
    Number.isSafeInteger(declaredLength) &&
    declaredLength >= 0 &&
    declaredLength <= maxBytes
  ) {
    return readInto(body, Buffer.allocUnsafe(declaredLength), maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      const error = new BodyTooLargeError(maxBytes);
      body.destroy(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function readInto(body: StreamingBody, target: Buffer, maxBytes: number): Promise<Buffer> {
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) {
    if (offset + chunk.byteLength <= target.length && chunks.length === 0) {
      target.set(chunk, offset);
    } else {
      // More than declared: fall back to collecting, still capped.
      if (chunks.length === 0) chunks.push(target.subarray(0, offset));
      chunks.push(chunk);
    }
    offset += chunk.byteLength;
    if (offset > maxBytes) {
      const error = new BodyTooLargeError(maxBytes);
      body.destroy(error);
      throw error;
    }
  }
  if (chunks.length > 0) return Buffer.concat(chunks, offset);
  return offset === target.length ? target : target.subarray(0, offset);
}
