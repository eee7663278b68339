import { Client, Events, type Interaction } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { discordJsInteractionEntry } from '../../../src/adapters/discord/discord-entry.js';
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../../fakes/discord/index.js';
import { createTestLogger } from '../../support/test-logger.js';

describe('the HTTP entry into discord.js', () => {
  // The entry relies on discord.js's internal InteractionCreate action: this fails if an upgrade changes it.
  it('makes a client that never logged in emit the interaction, built as on the gateway', async () => {
    const client = new Client({ intents: [] });
    try {
      const emitted = new Promise<Interaction>((resolve) => client.once(Events.InteractionCreate, resolve));
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: 'done-1' }],
      });
      discordJsInteractionEntry(
        client,
        createTestLogger().logger,
      )(payload as unknown as Record<string, unknown>);
      const interaction = await emitted;
      expect(interaction.isChatInputCommand()).toBe(true);
      expect(interaction.id).toBe(payload.id);
      expect(interaction.inGuild()).toBe(true);
      if (interaction.isChatInputCommand()) expect(interaction.options.getString('job_id')).toBe('done-1');
    } finally {
      await client.destroy();
    }
  });
});
