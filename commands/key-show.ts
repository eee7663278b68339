/** `/skidio key show`: workspace admins. Whether a key is set, its last four characters, who set it and when. */
import type { CommandDefinition } from '../src/core/command.js';
import { maskKey } from '../src/core/workspace-key-store.js';

export const keyShowCommand: CommandDefinition = {
  path: ['key', 'show'],
  description: 'Show whether this workspace has a Skidio API key (admins)',
  options: [],
  adminOnly: true,
  isPrivate: () => true,
  longRunning: false,
  async handler({ invocation, reply, services }) {
    const key = await services.keys.describe(invocation.workspace);
    await reply.privateText(
      key
        ? `🔑 This workspace uses the Skidio API key ${maskKey(key.last4)}, set by ${key.setBy} on ${key.setAt.replace('T', ' ').slice(0, 16)} UTC.`
        : '🔑 No Skidio API key is set for this workspace. Set one with `/skidio key set`.',
    );
  },
};
