/**
 * Reading @slack/web-api errors: the Slack error code of a refused call, and the one clear start-up error a
 * refused or unreachable Web API turns into.
 */
import { webApi } from '@slack/bolt';

/**
 * The Slack error code of a failed Web API call (`not_in_channel`, `invalid_auth`...), or undefined when the
 * call failed otherwise (network, HTTP status, rate limit after retries).
 * https://docs.slack.dev/apis/web-api/#responses
 */
export function slackErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const coded = error as { code?: unknown; data?: { error?: unknown } };
  if (coded.code !== webApi.ErrorCode.PlatformError) return undefined;
  return typeof coded.data?.error === 'string' ? coded.data.error : undefined;
}

/** A short, secret-free description of any Web API failure, for log lines. */
export function describeSlackFailure(error: unknown): string {
  const code = slackErrorCode(error);
  if (code !== undefined) return code;
  if (typeof error === 'object' && error !== null) {
    const failure = error as { code?: unknown; statusCode?: unknown; original?: { message?: unknown } };
    if (failure.code === webApi.ErrorCode.HTTPError) return `HTTP ${String(failure.statusCode)}`;
    if (failure.code === webApi.ErrorCode.RateLimitedError) return 'rate limited';
    if (failure.code === webApi.ErrorCode.RequestError)
      return `request failed: ${String(failure.original?.message)}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Start-up failed: the token was refused or the Web API could not be reached. One clear sentence. */
export class SlackStartError extends Error {
  override readonly name = 'SlackStartError';
  readonly code = 'slack_start_failed';
}

/**
 * Turns a failed `auth.test` (or Socket Mode connection) into one clear error naming the variable to fix:
 * `Slack refused SLACK_BOT_TOKEN (invalid_auth)`. Never includes a token.
 */
export function startupError(error: unknown, variable: string, apiUrl: string): SlackStartError {
  const code = slackErrorCode(error);
  if (code !== undefined) {
    return new SlackStartError(
      `Slack refused ${variable} (${code}). Check the token in your Slack app settings.`,
      {
        cause: error,
      },
    );
  }
  return new SlackStartError(
    `Could not check ${variable} with the Slack Web API at ${apiUrl} (${describeSlackFailure(error)}). Check SLACK_API_URL and the network.`,
    { cause: error },
  );
}
