/** `/skidio help`: anyone. The usage of every command, privately. */
import { type CommandDefinition, typedCommands } from '../src/core/command.js';
import { usageText } from '../src/core/command-text.js';

export const helpCommand: CommandDefinition = {
  path: ['help'],
  description: 'Show how to use the Skidio bot',
  options: [],
  adminOnly: false,
  isPrivate: () => true,
  longRunning: false,
  async handler({ reply, services }) {
    const visible = typedCommands(services.commands);
    await reply.privateText(
      `I create Skidio images and check Skidio image jobs, and post the images here when they are done.\n${usageText(visible)}\nThe \`key\` commands are for workspace admins. Under a result: Again, Share (private results), Details and Delete.`,
    );
  },
};
