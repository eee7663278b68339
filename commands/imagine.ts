/**
 * `/skidio imagine <prompt> [options]`: anyone in the workspace. Every bound is checked before any request
 * (by the option specs, at dispatch); then the job is submitted with the workspace's key and watched exactly
 * as `status` watches a job: progress in one message (it shows the job id, so `/skidio status <id>` works
 * later too), then the images with the prompt and the settings they were made with.
 */
import { askerOf, type CommandContext, type CommandDefinition } from '../src/core/command.js';
import { BadInputError, NoApiKeyError, NotConfiguredError } from '../src/core/errors.js';
import { SKIDIO_MODELS, type SkidioModel } from '../src/core/skidio-client.js';
import { generateParams, type Submission } from '../src/core/submission.js';

/** Sizes offered as choices; any other `WxH` of multiples of 64 from 256 to 2048 may be typed. */
export const SIZE_CHOICES = [
  '1024x1024',
  '512x512',
  '768x768',
  '1024x768',
  '768x1024',
  '1344x768',
  '768x1344',
] as const;
const DEFAULT_SIZE = '1024x1024';
const MAX_SEED = 4_294_967_295;

/** `768x1024` → its width and height; throws `BadInputError` naming the allowed sizes. */
export function parseSize(text: string): { width: number; height: number } {
  const match = /^(\d{3,4})x(\d{3,4})$/i.exec(text.trim());
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  const fits = (side: number) => side >= 256 && side <= 2048 && side % 64 === 0;
  if (!match || !fits(width) || !fits(height)) {
    throw new BadInputError(
      `The size must be WIDTHxHEIGHT, each a multiple of 64 from 256 to 2048 (for example ${SIZE_CHOICES.slice(0, 4).join(', ')}).`,
    );
  }
  return { width, height };
}

export const imagineCommand: CommandDefinition = {
  path: ['imagine'],
  description: 'Create images from a prompt and post them here when they are done',
  options: [
    {
      name: 'prompt',
      type: 'string',
      required: true,
      rest: true,
      maxLength: 1_500,
      description: 'What to draw (up to 1,500 characters)',
    },
    {
      name: 'model',
      type: 'string',
      required: false,
      choices: SKIDIO_MODELS,
      description: 'The model (default: the bot’s default model)',
    },
    {
      name: 'size',
      type: 'string',
      required: false,
      choices: SIZE_CHOICES,
      acceptsOther: true,
      description: 'Width x height (default 1024x1024)',
      validate: (value) => {
        const { width, height } = parseSize(value);
        return `${width}x${height}`;
      },
    },
    {
      name: 'count',
      type: 'integer',
      required: false,
      min: 1,
      max: 4,
      description: 'How many images (1 to 4)',
    },
    {
      name: 'negative',
      type: 'string',
      required: false,
      maxLength: 1_000,
      description: 'What to keep out of the image',
    },
    {
      name: 'seed',
      type: 'integer',
      required: false,
      min: 0,
      max: MAX_SEED,
      description: 'A seed, to make the same image again (default: random)',
    },
    {
      name: 'steps',
      type: 'integer',
      required: false,
      min: 1,
      max: 100,
      description: 'Steps (default: the model’s)',
    },
    {
      name: 'private',
      type: 'boolean',
      required: false,
      description: 'Show the progress and images only to you',
    },
  ],
  adminOnly: false,
  isPrivate: (options) => options.private === true,
  longRunning: true,
  async handler(context) {
    const { options } = context.invocation;
    const { width, height } = parseSize(String(options.size ?? DEFAULT_SIZE));
    const random = context.services.random ?? Math.random;
    await submitAndWatch(context, {
      prompt: String(options.prompt).trim(),
      model: (options.model as SkidioModel | undefined) ?? context.services.defaultModel ?? 'flux-schnell',
      width,
      height,
      count: typeof options.count === 'number' ? options.count : 1,
      seed: typeof options.seed === 'number' ? options.seed : randomSeed(random),
      ...(typeof options.negative === 'string' && options.negative.trim() !== ''
        ? { negativePrompt: options.negative.trim() }
        : {}),
      ...(typeof options.steps === 'number' ? { steps: options.steps } : {}),
    });
  },
};

/** A seed for `random`'s next number in [0, 1). */
export function randomSeed(random: () => number): number {
  return Math.floor(random() * (MAX_SEED + 1));
}

/**
 * Submits `submission` with the workspace's key (and a webhook URL when the bot has one) and watches the job
 * for the person who asked, as `status` would. Shared by `imagine` and the Again button.
 */
export async function submitAndWatch(
  { invocation, reply, services }: CommandContext,
  submission: Submission,
): Promise<void> {
  const { workspace } = invocation;
  if (!services.client) throw new NotConfiguredError('this bot has no Skidio client for imagine');
  const apiKey = await services.keys.get(workspace);
  if (!apiKey) throw new NoApiKeyError('no Skidio API key is set for this workspace');
  const webhook = await services.webhooks?.issue(workspace);
  const params = generateParams(submission);
  const submitted = await services.client
    .submitAsync(webhook ? { ...params, webhook: webhook.url } : params, apiKey)
    .catch(async (error: unknown) => {
      await webhook?.discard();
      throw error;
    });
  await webhook?.bind(submitted.jobId);
  services.logger.info(
    { jobId: submitted.jobId, model: submission.model, count: submission.count },
    'submitted a job for imagine',
  );
  await services.watcher.watch(
    { workspace, jobId: submitted.jobId },
    { ...askerOf(invocation, reply), submission },
    { webhookExpected: webhook !== undefined },
  );
}
