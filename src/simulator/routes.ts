/**
 * The simulator's URL map. Every route answers both at the root (the client's base URL is the
 * simulator's) and under `/api`, like the real `https://skidiolabs.com/api`.
 */

/** A matched route. `image` carries the job id and 0-based index from `/images/<jobId>/<n>.<ext>`. */
export type Route =
  | { kind: 'status' }
  | { kind: 'async' }
  | { kind: 'sync' }
  | { kind: 'image'; jobId: string; index: number };

/** Methods each route accepts: the status route is documented as GET (with a body) but POST is tolerated. */
export const ALLOWED_METHODS: Record<Route['kind'], readonly string[]> = {
  status: ['GET', 'POST'],
  async: ['POST'],
  sync: ['POST'],
  image: ['GET', 'HEAD'],
};

const IMAGE_PATH = /^\/images\/([^/]+)\/(\d{1,4})\.(?:png|jpg|jpeg|webp)$/;

/** The request path without query string, `/api` prefix or trailing slash. */
export function normalizePath(rawUrl: string): string {
  const path = rawUrl.split('?')[0] ?? '/';
  const unprefixed = path === '/api' || path.startsWith('/api/') ? path.slice('/api'.length) : path;
  return unprefixed.length > 1 && unprefixed.endsWith('/') ? unprefixed.slice(0, -1) : unprefixed || '/';
}

/** The route for a request URL, or undefined (404). */
export function matchRoute(rawUrl: string): Route | undefined {
  const path = normalizePath(rawUrl);
  if (path === '/txt2img/status') return { kind: 'status' };
  if (path === '/txt2img/async') return { kind: 'async' };
  if (path === '/txt2img') return { kind: 'sync' };
  const image = IMAGE_PATH.exec(path);
  if (!image) return undefined;
  try {
    return { kind: 'image', jobId: decodeURIComponent(image[1] ?? ''), index: Number(image[2]) };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
