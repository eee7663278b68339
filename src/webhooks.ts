/**
 * Skidio completion webhooks (PUBLIC_URL set): each submission gets its own unguessable URL, stored in the
 * shared key/value store so any instance can receive it. A call is only a hint: it is answered 200 at once,
 * its body is never read for anything (it may be forged, and it echoes the input with the API key), and it
 * triggers one status check of its job; the result is posted from that check.
 *
 * A token and its job id are two keys. The token is written once, at issue, and deleted by the first call:
 * the store has no compare-and-set, so a token `bind` wrote again could come back after a call spent it
 * (a replay would then pass). `bind` writes only the job id, which is never the credential.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpRoute } from './adapters/platform.js';
import type { WebhookIssuer } from './core/command.js';
import type { KeyValueStore, Logger, WorkspaceId } from './core/ports.js';
import type { JobWatcher } from './core/watcher/types.js';

export const WEBHOOK_PATH_PREFIX = '/skidio/webhook/';
const TOKEN_PREFIX = 'webhook-token:';
const JOB_PREFIX = 'webhook-job:';
/** 128 random bits, the least for a URL that is its own credential. */
const TOKEN_BYTES = 16;
/** Bytes of a body read and thrown away before the connection is cut (a status body is a few kilobytes). */
const MAX_BODY_BYTES = 256 * 1024;
/** Kept a while past the watch's timeout: a late webhook finds nothing to do but must not look forged. */
const EXPIRY_SLACK_MS = 10 * 60_000;

/** An unused token: whose it is. */
interface StoredToken {
  workspace: WorkspaceId;
  /** Written into the token by versions before the job id had a key of its own (a rolling deploy). */
  jobId?: string;
}

/** The job a token's submission started: known once the API accepted it. */
interface StoredJob {
  jobId: string;
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
      const key = `${TOKEN_PREFIX}${token}`;
      await options.store.set(key, { workspace } satisfies StoredToken, ttlMs);
      return {
        url: `${options.publicUrl}${WEBHOOK_PATH_PREFIX}${token}`,
        // A call that came before this found no job id and spent the token: nothing to hurry then, since the
        // caller starts the watch right after, and a new watch's first check is due at once (engine.ts).
        bind: (jobId) => options.store.set(`${JOB_PREFIX}${token}`, { jobId } satisfies StoredJob, ttlMs),
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
      const key = `${TOKEN_PREFIX}${token}`;
      const stored = /^[A-Za-z0-9_-]{16,64}$/.test(token) ? await store.get<StoredToken>(key) : undefined;
      const jobKey = `${JOB_PREFIX}${token}`;
      const jobId = stored && (stored.jobId ?? (await store.get<StoredJob>(jobKey))?.jobId);
      // Used once: whoever deletes it first (of several instances, or a replay) is the one that acts.
      if (!stored || !(await store.delete(key))) {
        respond(response, 404);
        return;
      }
      respond(response, 200);
      if (jobId === undefined) {
        // Before `bind`: the job ended before its watch began, and that watch's first check, due at once,
        // will find it ended. The spent token stays spent: `bind` writes only the job id.
        logger.debug(
          { workspace: stored.workspace },
          'webhook before its job id; the first check will see it',
        );
        return;
      }
      const hurried = await watcher.hurry({ workspace: stored.workspace, jobId }).catch((error) => {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'webhook: hurry failed');
        return false;
      });
      logger.debug({ jobId, hurried }, 'webhook received; checking the job');
      await store.delete(jobKey).catch(() => false); // Left alone, it expires with the token's lifetime.
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
