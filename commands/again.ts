/**
 * `Again` under an imagine result (`/skidio again <result> [private]` as text): the same prompt and settings
 * with a new seed, submitted and watched for whoever clicked, as `imagine` would. Private when the result was.
 */
import type { CommandDefinition } from '../src/core/command.js';
import { BadInputError } from '../src/core/errors.js';
import { findResult, resultOption } from '../src/core/results/result-access.js';
import { randomSeed, submitAndWatch } from './imagine.js';

export const againCommand: CommandDefinition = {
  path: ['again'],
  description: 'Make an imagine result again, with a new seed',
  options: [
    resultOption,
    { name: 'private', type: 'boolean', required: false, description: 'Show the new images only to you' },
  ],
  adminOnly: false,
  isPrivate: (options) => options.private === true,
  longRunning: true,
  button: 'posts',
  async handler(context) {
    const record = await findResult(context.services, context.invocation);
    if (!record.submission) {
      throw new BadInputError('Again works on results of `/skidio imagine`; this one came from `status`.');
    }
    const seed = randomSeed(context.services.random ?? Math.random);
    await submitAndWatch(context, { ...record.submission, seed });
  },
};
