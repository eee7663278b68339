/**
 * `Share` under a private result (`/skidio share <result>` as text): posts the bot's own copy of the images
 * in the channel the person asked in, crediting them. Only they (or an admin) may share it. The images are
 * kept 24 hours; past that it says so and points to Again where there is one.
 */
import type { CommandDefinition } from '../src/core/command.js';
import { BadInputError, ResultUnavailableError } from '../src/core/errors.js';
import {
  findResult,
  requireOwnerOrAdmin,
  resultOption,
  resultRecordsOf,
} from '../src/core/results/result-access.js';
import { submissionCaption } from '../src/core/submission.js';

export const shareCommand: CommandDefinition = {
  path: ['share'],
  description: 'Post a private result in the channel for everyone',
  options: [resultOption],
  adminOnly: false,
  isPrivate: () => false,
  longRunning: false,
  button: 'posts',
  async handler({ invocation, reply, services }) {
    const record = await findResult(services, invocation);
    const { requester } = invocation;
    if (!record.private) throw new BadInputError('This result is already in the channel for everyone.');
    requireOwnerOrAdmin(record, requester, 'share');
    const files = await resultRecordsOf(services).images(record);
    if (!files || files.length === 0) {
      const again = record.submission ? ` Make new ones with Again (\`/skidio again ${record.id}\`).` : '';
      throw new ResultUnavailableError(
        `The images of job \`${record.jobId}\` are no longer kept (the bot keeps them for 24 hours).${again}`,
      );
    }
    const credit =
      requester.id === record.requesterId
        ? `📣 ${requester.mention} shared their result of job \`${record.jobId}\`.`
        : `📣 ${requester.mention} shared ${record.mention}'s result of job \`${record.jobId}\`.`;
    const caption = record.submission ? `\n${submissionCaption(record.submission)}` : '';
    const channel = reply.inChannelOf?.(record.address) ?? reply;
    await channel.result({
      jobId: record.jobId,
      images: { files, failures: [] },
      text: `${credit}${caption}`,
    });
    services.logger.info({ jobId: record.jobId, result: record.id }, 'a private result was shared');
    if (channel !== reply) await reply.privateText(`📣 Shared job \`${record.jobId}\` in the channel.`);
  },
};
