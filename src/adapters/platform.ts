/**
 * What `main.ts` needs from a chat platform adapter: start, readiness, resumption of stored watches, and a
 * graceful stop. Each adapter is built by a `create<Platform>Adapter(config, deps)` factory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WatchSubscriber } from '../core/job-watcher.js';
import type { StoredSubscriber, StoredWatch } from '../core/watch-registry.js';

/** An HTTP route an adapter serves on the shared server (Slack's `/slack/events`). */
export interface HttpRoute {
  method: 'POST' | 'GET';
  path: string;
  handle(request: IncomingMessage, response: ServerResponse): void | Promise<void>;
}

/** A running chat platform adapter. */
export interface PlatformAdapter {
  readonly name: 'discord' | 'slack';
  /** Routes to mount on the shared HTTP server before it listens. */
  readonly routes: readonly HttpRoute[];
  /** Connects (gateway login, auth.test); rejects with a clear error if the platform refuses. */
  start(): Promise<void>;
  /** True while connected and able to take commands. */
  isReady(): boolean;
  /**
   * Rebuilds a subscriber of a watch stored by an earlier process, when its `delivery` belongs to this
   * platform; undefined otherwise. Called after `start()`.
   */
  restoreSubscriber(stored: StoredSubscriber, watch: StoredWatch): WatchSubscriber | undefined;
  /** Disconnects; watches stay in the store. */
  stop(): Promise<void>;
}
