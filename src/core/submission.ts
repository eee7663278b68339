/**
 * What `/skidio imagine` asks the API for, and the line a result carries about it. The prompt is shown as the
 * person typed it, with mentions made inert: a prompt is text anyone can type, and `@everyone`, `<@id>` or
 * Slack's `<!channel>` in it must not ping anybody when the bot posts it.
 */
import type { GenerateParams, SkidioModel } from './skidio-client.js';

/** A submission's settings, all filled in (the seed is always chosen, so it can be shown and reused). */
export interface Submission {
  prompt: string;
  model: SkidioModel;
  width: number;
  height: number;
  count: number;
  seed: number;
  negativePrompt?: string;
  steps?: number;
}

/** The body fields of `POST /txt2img/async` for a submission (the key and the webhook are the caller's). */
export function generateParams(submission: Submission): GenerateParams {
  return {
    prompt: submission.prompt,
    model: submission.model,
    width: submission.width,
    height: submission.height,
    batchSize: submission.count,
    seed: submission.seed,
    ...(submission.negativePrompt ? { negativePrompt: submission.negativePrompt } : {}),
    ...(submission.steps !== undefined ? { steps: submission.steps } : {}),
  };
}

/** A zero-width space: placed after `@` and `<`, it leaves the text readable and the mention inert. */
const ZERO_WIDTH_SPACE = '\u200b';

/** `text` with every mention form of Discord and Slack broken, and its line breaks kept. */
export function inertMentions(text: string): string {
  return text.replaceAll('@', `@${ZERO_WIDTH_SPACE}`).replaceAll('<', `<${ZERO_WIDTH_SPACE}`);
}

/**
 * The lines under a result: the prompt, model, size, seed (and steps, negative prompt) it was made with, and
 * how long it took from the request when `elapsed` is given (as `formatElapsed` words it).
 */
export function submissionCaption(submission: Submission, elapsed?: string): string {
  const settings = [
    submission.model,
    `${submission.width}x${submission.height}`,
    `seed ${submission.seed}`,
    ...(submission.steps !== undefined ? [`${submission.steps} steps`] : []),
    ...(elapsed !== undefined ? [`made in ${elapsed}`] : []),
  ].join(' · ');
  const negative = submission.negativePrompt
    ? `\nwithout: “${inertMentions(submission.negativePrompt)}”`
    : '';
  return `“${inertMentions(submission.prompt)}”${negative}\n${settings}`;
}
