/**
 * Turns a completed job's image sources into files: decodes inline base64 and data URIs, downloads URLs
 * (http/https only, size cap enforced while streaming, timeout, few redirects, private hosts refused), checks
 * the bytes really are an image, and names each file `<jobId>-<n>.<real extension>`.
 */
import { Agent, type Dispatcher, request } from 'undici';
import { ImageRejectedError } from './errors.js';
import { BodyTooLargeError, readCapped } from './http-body.js';
import { type ImageType, sniffImageType } from './image-type.js';
import type { ImageSource } from './job-status.js';
import { guardedLookup, isPrivateAddress, PrivateAddressError } from './network-guard.js';

/** One image ready to post. */
export interface ImageFile {
  name: string;
  bytes: Buffer;
  type: ImageType;
  /** The URL it came from, when it came from one: the link fallback when a platform refuses the bytes. */
  sourceUrl?: string;
}

/** An image that could not be used, and why (safe to show a person). */
export interface ImageFailure {
  index: number;
  reason: string;
  sourceUrl?: string;
}

/** What resolving a job's images yields: never silently fewer images than the job had. */
export interface ResolvedImages {
  files: ImageFile[];
  failures: ImageFailure[];
  /** Images the job had beyond the per-job cap, not fetched. */
  omitted?: number;
}

/** Options of the fetcher; see `MAX_IMAGE_BYTES` and `SKIDIO_ALLOW_PRIVATE_IMAGE_HOSTS`. */
export interface ImageFetcherOptions {
  maxBytes: number;
  allowPrivateHosts: boolean;
  timeoutMs?: number;
  maxRedirects?: number;
  /** A dispatcher for downloads; when omitted the fetcher makes one with the private-address guard. */
  transport?: Dispatcher;
}

/** Resolves image sources into files. */
export interface ImageFetcher {
  resolve(jobId: string, sources: ImageSource[], signal?: AbortSignal): Promise<ResolvedImages>;
  close(): Promise<void>;
}

/** Builds an image fetcher. */
export function createImageFetcher(options: ImageFetcherOptions): ImageFetcher {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 3;
  const ownAgent = options.transport
    ? undefined
    : new Agent(options.allowPrivateHosts ? {} : { connect: { lookup: guardedLookup } });
  const transport = options.transport ?? (ownAgent as Dispatcher);

  async function download(url: string, signal: AbortSignal | undefined): Promise<Buffer> {
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const target = checkUrl(current, options.allowPrivateHosts);
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(target, {
          method: 'GET',
          headers: { accept: 'image/png,image/jpeg,image/webp,image/gif;q=0.9,*/*;q=0.1' },
          dispatcher: transport,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (hasCause(error, PrivateAddressError)) {
          throw new ImageRejectedError(
            'the image is on a private network address, which the bot does not fetch',
          );
        }
        throw new ImageRejectedError(
          timeout.aborted
            ? `the image download timed out after ${timeoutMs / 1000} s`
            : 'the image could not be downloaded',
          { cause: error },
        );
      }
      const location = response.headers.location;
      if (response.statusCode >= 300 && response.statusCode < 400 && location) {
        await response.body.dump();
        current = new URL(Array.isArray(location) ? (location[0] ?? '') : location, target).toString();
        continue;
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        await response.body.dump();
        throw new ImageRejectedError(`the image download answered HTTP ${response.statusCode}`);
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        response.body.destroy();
        throw tooLarge(options.maxBytes);
      }
      try {
        return await readCapped(
          response.body,
          options.maxBytes,
          Number.isFinite(declared) ? declared : undefined,
        );
      } catch (error) {
        if (error instanceof BodyTooLargeError) throw tooLarge(options.maxBytes);
        if (signal?.aborted) throw signal.reason;
        throw new ImageRejectedError('the image download was cut off', { cause: error });
      }
    }
    throw new ImageRejectedError(`the image URL redirected more than ${maxRedirects} times`);
  }

  async function bytesOf(source: ImageSource, signal: AbortSignal | undefined): Promise<Buffer> {
    if (source.kind === 'url') return download(source.url, signal);
    // Base64 of N bytes is 4N/3 characters: refuse before decoding anything too big.
    if (source.base64.length > Math.ceil((options.maxBytes * 4) / 3) + 4) throw tooLarge(options.maxBytes);
    return Buffer.from(source.base64, 'base64');
  }

  return {
    async resolve(jobId, sources, signal) {
      const settled = await Promise.allSettled(sources.map((source) => bytesOf(source, signal)));
      const result: ResolvedImages = { files: [], failures: [] };
      settled.forEach((outcome, index) => {
        const source = sources[index];
        const sourceUrl = source?.kind === 'url' ? { sourceUrl: source.url } : {};
        if (outcome.status === 'rejected') {
          if (signal?.aborted) throw signal.reason;
          const reason =
            outcome.reason instanceof ImageRejectedError
              ? outcome.reason.message
              : 'the image could not be read';
          result.failures.push({ index, reason, ...sourceUrl });
          return;
        }
        const type = sniffImageType(outcome.value);
        if (!type) {
          result.failures.push({
            index,
            reason: 'the API sent something that is not a PNG, JPEG, WebP or GIF image',
            ...sourceUrl,
          });
          return;
        }
        result.files.push({
          name: imageFileName(jobId, index + 1, type),
          bytes: outcome.value,
          type,
          ...sourceUrl,
        });
      });
      return result;
    },
    async close() {
      await ownAgent?.close();
    },
  };
}

/** `<jobId>-<n>.<ext>`, with characters some file systems refuse replaced. */
export function imageFileName(jobId: string, position: number, type: ImageType): string {
  return `${jobId.replace(/[^A-Za-z0-9._-]/g, '_')}-${position}.${type.extension}`;
}

function checkUrl(raw: string, allowPrivateHosts: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ImageRejectedError('the image URL is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImageRejectedError(`the image URL uses ${url.protocol.replace(':', '')}, not http or https`);
  }
  if (!allowPrivateHosts && (isPrivateAddress(url.hostname) || url.hostname === 'localhost')) {
    throw new ImageRejectedError('the image is on a private network address, which the bot does not fetch');
  }
  return url.toString();
}

function tooLarge(maxBytes: number): ImageRejectedError {
  return new ImageRejectedError(`the image is larger than ${formatSize(maxBytes)}`);
}

/** `25 MiB`, `1.5 MiB`, `512 KiB`: rounding to whole MiB would say "larger than 0 MiB" under 512 KiB. */
function formatSize(bytes: number): string {
  const mib = bytes / 1024 / 1024;
  if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
}

function hasCause(error: unknown, type: new (...args: never[]) => Error): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof type) return true;
    current = (current as Error).cause;
  }
  return false;
}
