/**
 * `Delete` under an imagine result (`/skidio delete <result>` as text): removes the posted result and
 * forgets its record, so its buttons stop working. Only the person who asked, or an admin.
 */
import type { CommandDefinition } from '../src/core/command.js';
import {
  findResult,
  requireOwnerOrAdmin,
  resultOption,
  resultRecordsOf,
} from '../src/core/results/result-access.js';

export const deleteCommand: CommandDefinition = {
  path: ['delete'],
  description: 'Delete an imagine result (the person who asked, or an admin)',
  options: [resultOption],
  adminOnly: false,
  isPrivate: () => true,
  longRunning: false,
  button: 'removes',
  async handler({ invocation, reply, services }) {
    const record = await findResult(services, invocation);
    requireOwnerOrAdmin(record, invocation.requester, 'delete');
    await reply.removeResult?.(record.posted);
    await resultRecordsOf(services).remove(record.id);
    services.logger.info({ jobId: record.jobId, result: record.id }, 'a result was deleted');
    await reply.privateText(
      reply.removeResult
        ? `🗑️ Deleted the result of job \`${record.jobId}\`.`
        : `🗑️ Forgot the result of job \`${record.jobId}\`; its buttons no longer work.`,
    );
  },
};
