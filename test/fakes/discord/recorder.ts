import type { InjectedResponse, RecordedRequest, RequestMatch } from './types.js';

interface Waiter {
  predicate: (request: RecordedRequest) => boolean;
  resolve: (request: RecordedRequest) => void;
}

interface Override {
  match: RequestMatch;
  response: InjectedResponse;
  remaining: number;
}

/** A predicate that throws (say, reading a field of a body that is absent) simply does not match. */
function safely(predicate: (request: RecordedRequest) => boolean, request: RecordedRequest): boolean {
  try {
    return predicate(request);
  } catch {
    return false;
  }
}

function matches(match: RequestMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method) return false;
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}

/** The request history, the waiters on it, and the queue of injected responses. */
export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly overrides: Override[] = [];

  /** Appends a handled request and wakes the waiters it satisfies. */
  record(request: RecordedRequest): void {
    this.requests.push(request);
    for (const waiter of this.waiters) {
      if (safely(waiter.predicate, request)) {
        this.waiters.delete(waiter);
        waiter.resolve(request);
      }
    }
  }

  /** Resolves with the first recorded request that matches, now or within `timeoutMs`. */
  waitFor(predicate: (request: RecordedRequest) => boolean, timeoutMs: number): Promise<RecordedRequest> {
    const already = this.requests.find((request) => safely(predicate, request));
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (request) => {
          clearTimeout(timer);
          resolve(request);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `fake Discord: no matching request within ${timeoutMs} ms; received:\n${this.describe()}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Queues `response` for the next `times` requests that match. */
  addOverride(match: RequestMatch, response: InjectedResponse, times: number): void {
    this.overrides.push({ match, response, remaining: times });
  }

  /** Takes one use of the first queued override that matches this request, if any. */
  takeOverride(method: string, path: string): InjectedResponse | undefined {
    const index = this.overrides.findIndex((override) => matches(override.match, method, path));
    const override = this.overrides[index];
    if (!override) return undefined;
    override.remaining -= 1;
    if (override.remaining <= 0) this.overrides.splice(index, 1);
    return override.response;
  }

  /** One line per request (`METHOD path?query -> status`), for failure messages; never headers or bodies. */
  describe(): string {
    if (this.requests.length === 0) return '  (none)';
    return this.requests
      .map((request) => {
        const query = request.query.toString();
        return `  ${request.method} ${request.path}${query ? `?${query}` : ''} -> ${request.status}`;
      })
      .join('\n');
  }
}
