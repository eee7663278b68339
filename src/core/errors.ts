/**
 * The bot's typed errors. Each has a stable `code` that the dispatch boundary turns into one clear reply for
 * the person and one log line for the operator. No constructor here takes a secret: messages are built from
 * statuses, ids and sanitized excerpts only.
 */

/** Every error the bot raises on purpose. */
export type SkidioErrorCode =
  | 'bad_input'
  | 'permission_denied'
  | 'no_api_key'
  | 'invalid_api_key'
  | 'job_not_found'
  | 'rate_limited'
  | 'upstream_unavailable'
  | 'network_failed'
  | 'unreadable_response'
  | 'api_refused'
  | 'job_failed'
  | 'job_timed_out'
  | 'image_rejected'
  | 'store_unavailable'
  | 'not_configured'
  | 'too_many_commands'
  | 'too_many_watches'
  | 'bot_restarting'
  | 'result_unavailable'
  | 'bot_bug';

/** Base class: a string `code`, a `name` equal to the class name, and the original `cause` kept. */
export abstract class SkidioBotError extends Error {
  abstract readonly code: SkidioErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The person typed something the bot cannot use; `message` is safe to show them. */
export class BadInputError extends SkidioBotError {
  readonly code = 'bad_input';
}

/** The person may not run this command (admin-only). */
export class PermissionDeniedError extends SkidioBotError {
  readonly code = 'permission_denied';
}

/** The workspace has no Skidio API key yet. */
export class NoApiKeyError extends SkidioBotError {
  readonly code = 'no_api_key';
}

/** The bot is missing operator configuration (e.g. `KEY_ENCRYPTION_SECRET`); `message` names the variable. */
export class NotConfiguredError extends SkidioBotError {
  readonly code = 'not_configured';
}

/** The key/value store failed (disk, Redis down). */
export class StoreUnavailableError extends SkidioBotError {
  readonly code = 'store_unavailable';
}

/** What every refusal of the Skidio API carries: its HTTP status, a sanitized body excerpt, its request id. */
export abstract class ApiAnswerError extends SkidioBotError {
  constructor(
    readonly status: number,
    readonly bodyExcerpt: string,
    readonly requestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`Skidio API answered HTTP ${status}${bodyExcerpt ? `: ${bodyExcerpt}` : ''}`, options);
  }
}

/** The Skidio API answered with a status the bot does not handle specially. */
export class ApiRefusedError extends ApiAnswerError {
  readonly code = 'api_refused';
}

/** 401/403: the workspace's key was refused. */
export class InvalidApiKeyError extends ApiAnswerError {
  readonly code = 'invalid_api_key';
}

/** 404 on a status call: no such job for this key. */
export class JobNotFoundError extends ApiAnswerError {
  readonly code = 'job_not_found';
}

/** 429 that outlasted the retries. */
export class RateLimitedError extends ApiAnswerError {
  readonly code = 'rate_limited';
  constructor(
    status: number,
    bodyExcerpt: string,
    requestId: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(status, bodyExcerpt, requestId);
  }
}

/** 5xx that outlasted the retries. */
export class UpstreamUnavailableError extends ApiAnswerError {
  readonly code = 'upstream_unavailable';
}

/** The connection failed or timed out before an answer arrived. */
export class NetworkError extends SkidioBotError {
  readonly code = 'network_failed';
}

/** An answer arrived but could not be read (not JSON, truncated, too large). */
export class UnreadableResponseError extends SkidioBotError {
  readonly code = 'unreadable_response';
}

/** The job ended without images; `reason` is the API's, sanitized and short. */
export class JobFailedError extends SkidioBotError {
  readonly code = 'job_failed';
  constructor(
    readonly jobId: string,
    readonly reason: string,
    readonly outcome: 'failed' | 'cancelled' | 'expired' = 'failed',
  ) {
    super(`job ${jobId} ${outcome}: ${reason}`);
  }
}

/** The bot watched the job for `SKIDIO_WATCH_TIMEOUT_S` and gave up. */
export class JobTimedOutError extends SkidioBotError {
  readonly code = 'job_timed_out';
  constructor(
    readonly jobId: string,
    readonly waitedMs: number,
  ) {
    super(`stopped watching job ${jobId} after ${Math.round(waitedMs / 1000)} s`);
  }
}

/** An image the API pointed to could not be used (not an image, too large, private host, download failed). */
export class ImageRejectedError extends SkidioBotError {
  readonly code = 'image_rejected';
}

/** A person or workspace sent more commands than the configured rate allows. */
export class TooManyCommandsError extends SkidioBotError {
  readonly code = 'too_many_commands';
  constructor(
    readonly scope: 'user' | 'workspace',
    readonly retryAfterMs: number,
  ) {
    super(`too many commands from this ${scope}; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

/** Watching one more job would pass the per-workspace or overall cap. */
export class TooManyWatchesError extends SkidioBotError {
  readonly code = 'too_many_watches';
  constructor(
    readonly scope: 'workspace' | 'bot',
    readonly limit: number,
  ) {
    super(`the ${scope} already has ${limit} jobs being watched`);
  }
}

/**
 * A result's button (or `/skidio share <id>`) cannot be used: the record expired or is unknown here, or the
 * person may not act on it. `message` is safe to show them.
 */
export class ResultUnavailableError extends SkidioBotError {
  readonly code = 'result_unavailable';
}

/** The bot is shutting down and takes no new commands; the next process will. */
export class BotRestartingError extends SkidioBotError {
  readonly code = 'bot_restarting';
}

/**
 * The bot itself broke (a bug, not the API and not the person): never retried, and reported to people as the
 * bot's fault. `cause` keeps the original for the log.
 */
export class BotBugError extends SkidioBotError {
  readonly code = 'bot_bug';
}

/** True when retrying the same call later may succeed. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof NetworkError ||
    error instanceof UpstreamUnavailableError ||
    error instanceof RateLimitedError ||
    error instanceof UnreadableResponseError ||
    error instanceof StoreUnavailableError
  );
}
