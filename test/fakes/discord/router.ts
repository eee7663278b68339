import type { FakeState } from './state.js';
import type { RecordedFile } from './types.js';

/** What a route handler gets: path parameters by name, query, parsed body and uploads. */
export interface RouteContext {
  params: ReadonlyMap<string, string>;
  query: URLSearchParams;
  json: unknown;
  files: RecordedFile[];
  state: FakeState;
}

/** A response: status, optional JSON body and extra headers. */
export interface RouteResult {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

/** One REST route. `pattern` is a path like `/channels/:channel/messages/:message`. */
export interface Route {
  method: string;
  pattern: string;
  /** Whether the route needs `Authorization: Bot <token>` (interaction and webhook routes do not). */
  auth: boolean;
  handle(ctx: RouteContext): RouteResult;
}

/** A Discord JSON error response (`{ message, code }`). */
export function discordError(status: number, code: number, message: string): RouteResult {
  return { status, json: { message, code } };
}

/** A path parameter that the pattern guarantees; the throw only guards against a typo in a pattern. */
export function param(ctx: RouteContext, name: string): string {
  const value = ctx.params.get(name);
  if (value === undefined) throw new Error(`route pattern has no :${name}`);
  return value;
}

/** Finds the route for a decoded path, with its parameters; literal segments must match exactly. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Map<string, string> } | undefined {
  const segments = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.method !== method) continue;
    const parts = route.pattern.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    const params = new Map<string, string>();
    const matches = parts.every((part, index) => {
      const segment = segments[index] ?? '';
      if (part.startsWith(':')) {
        params.set(part.slice(1), segment);
        return true;
      }
      return part === segment;
    });
    if (matches) return { route, params };
  }
  return undefined;
}
