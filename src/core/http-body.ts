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

/** Collects `body` into one Buffer, or throws `BodyTooLargeError` as soon as it passes `maxBytes`. */
export async function readCapped(body: StreamingBody, maxBytes: number): Promise<Buffer> {
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
