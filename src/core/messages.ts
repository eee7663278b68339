/**
 * What the bot says, in one place, so every platform says the same thing. Text uses only the markup Discord
 * and Slack share (backticks); adapters add their own emphasis if they want.
 */
import {
  type JobFailedError,
  type JobTimedOutError,
  RateLimitedError,
  type SkidioBotError,
  type TooManyCommandsError,
  type TooManyWatchesError,
} from './errors.js';
import type { ImageFailure } from './images.js';
import type { JobStatus } from './job-status.js';

/** `12 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The progress line. */
export function progressText(jobId: string, status: JobStatus, elapsedMs: number): string {
  const elapsed = formatElapsed(elapsedMs);
  switch (status.state) {
    case 'queued':
      return `⏳ Job \`${jobId}\` is queued (${elapsed}).`;
    case 'running':
      return `🎨 Job \`${jobId}\` is running (${elapsed}).`;
    default:
      return `❔ Job \`${jobId}\` reports a status I don't recognize (\`${status.state === 'unknown' ? displayableStatus(status.rawStatus) : status.state}\`); still watching (${elapsed}).`;
  }
}

/** An unrecognized status word as the API sent it, reduced to characters that cannot break the message. */
function displayableStatus(rawStatus: string): string {
  return rawStatus.replace(/[^A-Za-z0-9 _.:-]/g, '').slice(0, 40) || '?';
}

/** The line posted with a finished job's images. */
export function completedText(
  jobId: string,
  requesterMention: string,
  imageCount: number,
  failures: ImageFailure[],
  omitted = 0,
): string {
  const images = imageCount === 1 ? '1 image' : `${imageCount} images`;
  const head =
    imageCount > 0
      ? `✅ Job \`${jobId}\` is done: ${images}, requested by ${requesterMention}.`
      : `⚠️ Job \`${jobId}\` finished, requested by ${requesterMention}, but none of its images could be posted.`;
  const lines = [head, ...(failures.length > 0 ? [failureLines(failures)] : [])];
  if (omitted > 0)
    lines.push(
      `${omitted} more image${omitted === 1 ? ' was' : 's were'} not posted: the bot posts at most ${imageCount + failures.length} per job.`,
    );
  return lines.join('\n');
}

function failureLines(failures: ImageFailure[]): string {
  return failures
    .map(
      (failure) =>
        `Image ${failure.index + 1}: ${failure.reason}${failure.sourceUrl ? ` (original: ${safeUrl(failure.sourceUrl)})` : ''}.`,
    )
    .join('\n');
}

/** A URL from the API, re-serialized so characters like `<` and `>` are percent-encoded and cannot form markup. */
function safeUrl(url: string): string {
  try {
    return new URL(url).toString().replace(/[<>`]/g, (char) => encodeURIComponent(char));
  } catch {
    return 'an invalid URL';
  }
}

/** The sentence a person sees for an error; `jobId` adds context where there is one. */
export function errorText(error: SkidioBotError, jobId?: string): string {
  const job = jobId ? `job \`${jobId}\`` : 'the job';
  switch (error.code) {
    case 'bad_input':
    case 'image_rejected':
    case 'not_configured':
      return `⚠️ ${error.message}`;
    case 'permission_denied':
      return '🔒 Only workspace admins can manage the Skidio API key.';
    case 'no_api_key':
      return '🔑 This workspace has no Skidio API key yet. An admin can set one with `/skidio key set`.';
    case 'invalid_api_key':
      return "🔑 The Skidio API rejected this workspace's API key. An admin can update it with `/skidio key set`.";
    case 'job_not_found':
      return `🔍 Skidio has no ${job} for this workspace's API key. Check the job id.`;
    case 'rate_limited': {
      const wait =
        error instanceof RateLimitedError && error.retryAfterMs
          ? ` in ${Math.ceil(error.retryAfterMs / 1000)} s`
          : ' in a minute';
      return `🐢 The Skidio API is rate-limiting this workspace. Try again${wait}.`;
    }
    case 'upstream_unavailable':
    case 'network_failed':
    case 'unreadable_response':
    case 'api_refused':
      return '🌩️ The Skidio API is not answering properly right now. Try again in a few minutes.';
    case 'store_unavailable':
      return "🗄️ The bot's storage is not reachable right now. Try again shortly.";
    case 'job_failed':
      return jobFailedText(error as JobFailedError);
    case 'too_many_commands': {
      const limited = error as TooManyCommandsError;
      const who =
        limited.scope === 'user'
          ? "You're sending commands faster than I take them"
          : 'This workspace is sending commands faster than I take them';
      return `🐢 ${who}. Try again in ${Math.max(1, Math.ceil(limited.retryAfterMs / 1000))} s.`;
    }
    case 'too_many_watches': {
      const capped = error as TooManyWatchesError;
      return capped.scope === 'workspace'
        ? `🐢 I'm already watching ${capped.limit} jobs for this workspace. Try again when some of them finish.`
        : "🐢 I'm watching as many jobs as I can right now. Try again in a few minutes.";
    }
    case 'bot_restarting':
      return BOT_RESTARTING_TEXT;
    case 'result_unavailable':
      return `🗂️ ${error.message}`;
    case 'bot_bug':
      return UNEXPECTED_ERROR_TEXT;
    case 'job_timed_out': {
      const timedOut = error as JobTimedOutError;
      return `⌛ I stopped watching job \`${timedOut.jobId}\` after ${Math.round(timedOut.waitedMs / 60_000)} min and it had not finished. Ask again later with \`/skidio status ${timedOut.jobId}\`.`;
    }
  }
}

function jobFailedText(error: JobFailedError): string {
  switch (error.outcome) {
    case 'cancelled':
      return `🛑 Job \`${error.jobId}\` was cancelled.`;
    case 'expired':
      return `⌛ Job \`${error.jobId}\` expired before it finished (the Skidio API timed it out).`;
    default:
      return `❌ Job \`${error.jobId}\` failed: ${error.reason}`;
  }
}

/** The answer to a button this bot does not know (a message from an older version, or another app's). */
export const UNKNOWN_BUTTON_TEXT =
  '⚠️ That button no longer works (the bot may have been updated). Try `/skidio help`.';

/** The answer to a command that arrives while the bot shuts down. */
export const BOT_RESTARTING_TEXT = '♻️ The bot is restarting; try again in a minute.';

/** What a person sees when something unexpected broke. */
export const UNEXPECTED_ERROR_TEXT =
  '💥 Something went wrong on my side. The operator can find the details in the logs.';
