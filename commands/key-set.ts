/**
 * `/skidio key set [<key>]`: workspace admins. Stores the workspace's Skidio API key encrypted and answers
 * privately with the masked key. Without a key, platforms with forms ask for it in one (never pre-filled).
 */
import type { CommandDefinition } from '../src/core/command.js';
import { BadInputError } from '../src/core/errors.js';
import { maskKey } from '../src/core/workspace-key-store.js';

/** A key is one printable token: no spaces, no control characters, at most 512 characters. */
export function validateApiKey(value: string): string {
  const key = value.trim();
  if (key.length < 8 || key.length > 512 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new BadInputError(
      'That does not look like a Skidio API key: it should be one word of 8 to 512 printable characters.',
    );
  }
  return key;
}

export const keySetCommand: CommandDefinition = {
  path: ['key', 'set'],
  description: "Set this workspace's Skidio API key (admins)",
  options: [
    {
      name: 'key',
      type: 'string',
      required: false,
      secret: true,
      description: 'The Skidio API key',
      validate: validateApiKey,
    },
  ],
  adminOnly: true,
  isPrivate: () => true,
  longRunning: false,
  async handler({ invocation, reply, services }) {
    const key = invocation.options.key;
    if (typeof key !== 'string') {
      if (reply.openSecretForm) return reply.openSecretForm();
      throw new BadInputError('Give the key after the command: `/skidio key set <key>`.');
    }
    await services.keys.set(invocation.workspace, key, invocation.requester.mention);
    services.logger.info(
      { workspace: invocation.workspace, user: invocation.requester.id },
      'workspace API key set',
    );
    await reply.privateText(`🔑 Saved. This workspace now uses the Skidio API key ${maskKey(key)}.`);
  },
};
