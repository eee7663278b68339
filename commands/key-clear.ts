/** `/skidio key clear`: workspace admins. Removes the workspace's key; watches in progress stop at their next check. */
import type { CommandDefinition } from '../src/core/command.js';

export const keyClearCommand: CommandDefinition = {
  path: ['key', 'clear'],
  description: "Remove this workspace's Skidio API key (admins)",
  options: [],
  adminOnly: true,
  isPrivate: () => true,
  longRunning: false,
  async handler({ invocation, reply, services }) {
    const removed = await services.keys.clear(invocation.workspace);
    services.logger.info(
      { workspace: invocation.workspace, user: invocation.requester.id, removed },
      'workspace API key cleared',
    );
    await reply.privateText(
      removed
        ? '🔑 Removed. This workspace has no Skidio API key now; `/skidio status` will not work until an admin sets one.'
        : '🔑 There was no Skidio API key to remove.',
    );
  },
};
