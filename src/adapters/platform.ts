/**
 * What `main.ts` needs from a chat platform adapter: start, readiness, reply surfaces for stored watches, and a
 * graceful stop. Each adapter is built by a `create<Platform>Adapter(config, deps)` factory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReplySurface } from '../core/command.js';
import type { StoredAsker, WatchKey } from '../core/watcher/types.js';

/** An HTTP route an adapter serves on the shared server (Slack's `/slack/events`). */
export interface HttpRoute {
  method: 'POST' | 'GET';
  path: string;
  /** True: `path` is a prefix, and every path under it is this route's (a webhook's token is in its path). */
  pathPrefix?: boolean;
  handle(request: IncomingMessage, response: ServerResponse): void | Promise<void>;
}

/** A running chat platform adapter. */
export interface PlatformAdapter {
  readonly name: 'discord' | 'slack';
  /** Routes to mount on the shared HTTP server before it listens. */
  readonly routes: readonly HttpRoute[];
  /** Connects (gateway login, auth.test); rejects with a clear error if the platform refuses. */
  start(): Promise<void>;
  /**
   * Where a person adds the bot to their workspace, for the landing page: Discord's invite URL once the
   * application id is known, Slack's `/slack/install` when OAuth is on; undefined otherwise.
   */
  installUrl(): string | undefined;
  /** True while connected and able to take commands. */
  isReady(): boolean;
  /**
   * Rebuilds the reply surface of a person waiting on a job, from the address this adapter stored (after a
   * restart, or on an instance that took the watch over); undefined when the address cannot be read.
   */
  surfaceFor(asker: StoredAsker, key: WatchKey): ReplySurface | undefined;
  /** Disconnects; watches stay in the store. */
  stop(): Promise<void>;
}
