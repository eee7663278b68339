/**
 * `/skidio status <job_id> [private]`: anyone in the workspace. Watches the job and posts progress, then the
 * image(s) in the channel (or privately), or a clear message when the job cannot deliver any. The watch
 * itself (coalescing, progress, the end, each person answered once) is the watcher's.
 */
import { askerOf, type CommandDefinition } from '../src/core/command.js';
import { NoApiKeyError } from '../src/core/errors.js';
import { validateJobId } from '../src/core/job-id.js';

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
    await services.watcher.watch({ workspace: invocation.workspace, jobId }, askerOf(invocation, reply));
  },
};
