/**
 * `npm run register`: registers `/skidio` with Discord for the configured bot token, globally or in the
 * server named by `DISCORD_DEV_GUILD_ID`, then exits. Exit codes: 0 registered, 1 configuration or Discord
 * refused (the message says what to fix).
 */
import { REST } from 'discord.js';
import { commands } from '../../../commands/index.js';
import { readEntryConfig } from '../../entry-config.js';
import { createDiscordRestAgent } from './discordjs-agent.js';
import { fetchApplicationId, RegistrationError, registerCommands } from './register.js';

async function main(): Promise<number> {
  const config = readEntryConfig();
  if (!config.discord) {
    process.stderr.write(
      'DISCORD_TOKEN is not set: put the bot token from the Developer Portal (Bot → Token) in it.\n',
    );
    return 1;
  }
  const agent = createDiscordRestAgent();
  // The same agent workaround as the adapter: discord.js must send with its own undici.
  const rest = new REST({ api: config.discord.apiUrl, agent }).setToken(config.discord.token);
  try {
    const applicationId = await fetchApplicationId(rest);
    const result = await registerCommands(rest, {
      applicationId,
      commands,
      ...(config.discord.devGuildId ? { guildId: config.discord.devGuildId } : {}),
    });
    const where =
      result.scope === 'global'
        ? 'globally (new servers may take a few minutes to show it)'
        : `in server ${result.guildId} (shows at once)`;
    process.stdout.write(`Registered /${result.commandNames.join(', /')} ${where}.\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof RegistrationError ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await agent.close();
  }
}

process.exitCode = await main();
