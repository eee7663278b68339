/**
 * `/skidio status <job_id> [private]`: anyone in the workspace. Watches the job and posts progress, then the
 * image(s) in the channel (or privately), or a clear message when the job cannot deliver any.
 */
import { randomUUID } from 'node:crypto';
import type { CommandDefinition, ReplySurface, Requester } from '../src/core/command.js';
import { BadInputError, NoApiKeyError } from '../src/core/errors.js';
import type { WatchEvent, WatchSubscriber } from '../src/core/job-watcher.js';
import { completedText, errorText, progressText } from '../src/core/messages.js';
import type { Logger } from '../src/core/ports.js';

/** What the Skidio API uses for job ids (RunPod ids and friends), and nothing a chat could smuggle in. */
const JOB_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Trims and checks a job id; the offending text is never echoed back (it could hold mentions or markup). */
export function validateJobId(value: string): string {
  const jobId = value.trim();
  if (!JOB_ID_PATTERN.test(jobId)) {
    throw new BadInputError(
      'That is not a valid job id. A job id is 1 to 128 letters, digits, dots, dashes, underscores or colons, as the Skidio API returned it.',
    );
  }
  return jobId;
}

/**
 * Turns watch events for one person into replies on their surface. Used for new and resumed watches. A final
 * reply the surface could not deliver rejects (`ReplyNotDeliveredError`), so the watcher keeps it owed.
 */
export function createStatusSubscriber(args: {
  jobId: string;
  requester: Pick<Requester, 'id' | 'mention'>;
  reply: ReplySurface;
  logger: Logger;
  id?: string;
}): WatchSubscriber {
  const { jobId, requester, reply, logger } = args;
  return {
    id: args.id ?? randomUUID(),
    requesterId: requester.id,
    delivery: reply.delivery,
    async onEvent(event: WatchEvent) {
      switch (event.kind) {
        case 'progress':
          await reply.progress({
            jobId,
            status: event.status,
            elapsedMs: event.elapsedMs,
            text: progressText(jobId, event.status, event.elapsedMs),
          });
          return;
        case 'completed': {
          const { files, failures } = event.images;
          logger.info(
            { jobId, images: files.length, failures: failures.length, elapsedMs: event.elapsedMs },
            'job completed',
          );
          await reply.result({
            jobId,
            images: event.images,
            text: completedText(jobId, requester.mention, files.length, failures, event.images.omitted),
          });
          return;
        }
        case 'ended':
          logger.info(
            { jobId, code: event.error.code, elapsedMs: event.elapsedMs },
            `job watch ended: ${event.error.message}`,
          );
          await reply.error(errorText(event.error, jobId));
          return;
      }
    },
  };
}

export const statusCommand: CommandDefinition = {
  path: ['status'],
  description: 'Check a Skidio job and post its images here when it is done',
  options: [
    {
      name: 'job_id',
      type: 'string',
      required: true,
      description: 'The job id the Skidio API gave you',
      maxLength: 128,
      validate: validateJobId,
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
  async handler({ invocation, reply, services }) {
    const jobId = String(invocation.options.job_id);
    if (!(await services.keys.describe(invocation.workspace))) {
      throw new NoApiKeyError('no Skidio API key is set for this workspace');
    }
    const subscriber = createStatusSubscriber({
      jobId,
      requester: invocation.requester,
      reply,
      logger: services.logger,
    });
    await services.watcher.watch(invocation.workspace, jobId, subscriber);
  },
};
