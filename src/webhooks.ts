/**
 * Skidio completion webhooks (PUBLIC_URL set): each submission gets its own unguessable URL, stored in the
 * shared key/value store so any instance can receive it. A call is only a hint: it is answered 200 at once,
 * its body is never read for anything (it may be forged, and it echoes the input with the API key), and it
 * triggers one status check of its job; the result is posted from that check.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './adapters/platform.js';
import type { WebhookIssuer } from './core/command.js';
import type { KeyValueStore, Logger, WorkspaceId } from './core/ports.js';
import type { JobWatcher } from './core/watcher/types.js';

export const WEBHOOK_PATH_PREFIX = '/skidio/webhook/';
const STORE_PREFIX = 'webhook-token:';
/** 128 random bits, the least for a URL that is its own credential. */
const TOKEN_BYTES = 16;
/** Bytes of a body read and thrown away before the connection is cut (a status body is a few kilobytes). */
const MAX_BODY_BYTES = 256 * 1024;
/** Kept a while past the watch's timeout: a late webhook finds nothing to do but must not look forged. */
const EXPIRY_SLACK_MS = 10 * 60_000;

/** What a token stands for; `jobId` is known only once the submission was accepted. */
interface StoredWebhook {
  workspace: WorkspaceId;
  jobId?: string;
}

/** Issues webhook URLs; tokens live in `store` for about `watchTimeoutMs`. */
export function createWebhookIssuer(options: {
  store: KeyValueStore;
  publicUrl: string;
  watchTimeoutMs: number;
}): WebhookIssuer {
  const ttlMs = options.watchTimeoutMs + EXPIRY_SLACK_MS;
  return {
    async issue(workspace) {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const key = `${STORE_PREFIX}${token}`;
      await options.store.set(key, { workspace } satisfies StoredWebhook, ttlMs);
      return {
        url: `${options.publicUrl}${WEBHOOK_PATH_PREFIX}${token}`,
        bind: (jobId) => options.store.set(key, { workspace, jobId } satisfies StoredWebhook, ttlMs),
        discard: async () => {
          await options.store.delete(key);
        },
      };
    },
  };
}

/** `POST /skidio/webhook/<token>`: 200 and one check of the token's job; 404 for an unknown or used token. */
export function createWebhookRoute(options: {
  store: KeyValueStore;
  watcher: Pick<JobWatcher, 'hurry'>;
  logger: Logger;
}): HttpRoute {
  const { store, watcher, logger } = options;
  return {
    method: 'POST',
    path: WEBHOOK_PATH_PREFIX,
    pathPrefix: true,
    async handle(request, response) {
      const token = (request.url ?? '').split('?')[0]?.slice(WEBHOOK_PATH_PREFIX.length) ?? '';
      discardBody(request);
      const key = `${STORE_PREFIX}${token}`;
      const stored = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await store.get<StoredWebhook>(key) : undefined;
      // Used once: whoever deletes it first (of several instances, or a replay) is the one that acts.
      if (!stored || !(await store.delete(key))) {
        respond(response, 404);
        return;
      }
      respond(response, 200);
      if (stored.jobId === undefined) return; // Before the submit answered: its first check comes anyway.
      const hurried = await watcher
        .hurry({ workspace: stored.workspace, jobId: stored.jobId })
        .catch((error) => {
          logger.warn(
            { err: error instanceof Error ? error.message : String(error) },
            'webhook: hurry failed',
          );
          return false;
        });
      logger.debug({ jobId: stored.jobId, hurried }, 'webhook received; checking the job');
    },
  };
}

/** Reads the body to nowhere, so the caller's request completes; cuts a body longer than the cap. */
function discardBody(request: IncomingMessage): void {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) request.destroy();
  });
  request.on('error', () => {});
  request.resume();
}

function respond(response: ServerResponse, status: 200 | 404): void {
  const text = JSON.stringify(status === 200 ? { ok: true } : { ok: false, error: 'not found' });
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
