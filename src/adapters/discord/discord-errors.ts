/**
 * Discord's JSON error codes the adapter reacts to, and a safe description of any error for the logs.
 * Codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes#json-json-error-codes
 *
 * Rate limits (429) and 5xx are retried by discord.js's own REST queue before an error reaches this code, so
 * whatever arrives here is final.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from 'discord.js';

/** The JSON error codes the adapter handles. */
export const DiscordErrorCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownWebhook: 10015,
  /** The interaction was not acknowledged within 3 s, or is unknown. */
  UnknownInteraction: 10062,
  /** The bot cannot see the channel at all. */
  MissingAccess: 50001,
  /** The user has DMs from server members turned off (or blocked the bot). */
  CannotSendToUser: 50007,
  /** The bot may not do this here (send messages, attach files...). */
  MissingPermissions: 50013,
  /** The interaction token is dead: 15 minutes have passed. */
  InvalidWebhookToken: 50027,
  /** Request entity too large: the upload exceeded what Discord accepts. */
  PayloadTooLarge: 40005,
  AlreadyAcknowledged: 40060,
} as const;

function codeOf(error: unknown): number | string | undefined {
  return error instanceof DiscordAPIError ? error.code : undefined;
}

/**
 * The interaction's token or its `@original` message can no longer be used: Discord forgot the interaction,
 * the 15 minutes are over, or the person dismissed the reply. The bot's own messages take over.
 */
export function isInteractionGone(error: unknown): boolean {
  const code = codeOf(error);
  if (
    code === DiscordErrorCode.UnknownInteraction ||
    code === DiscordErrorCode.InvalidWebhookToken ||
    code === DiscordErrorCode.UnknownWebhook ||
    code === DiscordErrorCode.UnknownMessage
  ) {
    return true;
  }
  // A webhook call answered 401 without a JSON code still means the token is dead.
  return (error instanceof DiscordAPIError || error instanceof HTTPError) && error.status === 401;
}

/** The interaction was acknowledged already: a duplicate delivery, or another instance of the bot answered it. */
export function isAlreadyAcknowledged(error: unknown): boolean {
  return codeOf(error) === DiscordErrorCode.AlreadyAcknowledged;
}

/** The bot may not post where it tried to (channel permissions, a hidden channel, closed DMs). */
export function isPostingForbidden(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === DiscordErrorCode.MissingPermissions ||
    code === DiscordErrorCode.MissingAccess ||
    code === DiscordErrorCode.UnknownChannel ||
    code === DiscordErrorCode.CannotSendToUser
  );
}

/** Discord refused the upload as too large (40005, or a bare HTTP 413 from its edge). */
export function isPayloadTooLarge(error: unknown): boolean {
  if (codeOf(error) === DiscordErrorCode.PayloadTooLarge) return true;
  return (error instanceof DiscordAPIError || error instanceof HTTPError) && error.status === 413;
}

/** Interaction tokens travel in URL paths (`/webhooks/:app/:token`, `/interactions/:id/:token`). */
function withoutTokens(text: string): string {
  return text
    .replace(/(\/webhooks\/\d+\/)[^/?\s]+/g, '$1[token]')
    .replace(/(\/interactions\/\d+\/)[^/?\s]+/g, '$1[token]');
}

function requestLine(method: string, url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  return `${method.toUpperCase()} ${withoutTokens(path)}`;
}

/**
 * Log fields for an error from discord.js, never the error object itself: its `url` holds the interaction
 * token and its `requestBody` the uploaded bytes.
 */
export function describeDiscordError(error: unknown): Record<string, unknown> {
  if (error instanceof DiscordAPIError) {
    return {
      discordCode: error.code,
      httpStatus: error.status,
      request: requestLine(error.method, error.url),
      reason: withoutTokens(error.message).slice(0, 300),
    };
  }
  if (error instanceof HTTPError) {
    return {
      httpStatus: error.status,
      request: requestLine(error.method, error.url),
      reason: error.message.slice(0, 200),
    };
  }
  if (error instanceof RateLimitError) {
    return { rateLimited: true, retryAfterMs: error.retryAfter, route: withoutTokens(error.route) };
  }
  if (error instanceof Error) {
    return { errorName: error.name, reason: withoutTokens(error.message).slice(0, 300) };
  }
  return { reason: withoutTokens(String(error)).slice(0, 300) };
}
