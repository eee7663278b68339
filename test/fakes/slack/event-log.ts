/**
 * An append-only list that tests can wait on. The fake records calls, uploads and response_url posts as the
 * app sends them, while the test runs on its own schedule: a waiter must see entries recorded before it
 * started waiting as well as later ones, or a fast app would race the assertion.
 */

interface Waiter<T> {
  matches: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Recorded items plus promises that settle when a matching item shows up. */
export class EventLog<T> {
  /** Everything recorded so far, oldest first; the fake exposes this array as is. */
  readonly items: T[] = [];
  private waiters: Waiter<T>[] = [];
  private closed = false;

  /** Appends `item` and settles every waiter it matches. */
  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.matches(item)) return true;
      clearTimeout(waiter.timer);
      waiter.resolve(item);
      return false;
    });
  }

  /**
   * Resolves with the first recorded item that matches, now or later. On timeout, rejects with
   * `describeTimeout()`, which is called only then so it can list what was recorded by that time.
   */
  waitFor(matches: (item: T) => boolean, timeoutMs: number, describeTimeout: () => string): Promise<T> {
    const found = this.items.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    if (this.closed) return Promise.reject(new Error(`${describeTimeout()} (the fake is closed)`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.timer !== timer);
        reject(new Error(describeTimeout()));
      }, timeoutMs);
      this.waiters.push({ matches, resolve, reject, timer });
    });
  }

  /** Rejects pending waiters so a test fails at once instead of hanging until its own timeout. */
  close(reason: string): void {
    this.closed = true;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
    this.waiters = [];
  }
}
