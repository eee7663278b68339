import 'undici';
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, MessageFlags, type Interaction } from 'discord.js';
import { request } from 'undici';
import { it, expect } from 'vitest';
import { slashCommand, startFakeDiscord, DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID } from './index.js';

it('no agent', async () => {
  const fake = await startFakeDiscord();
  await (await request(`${fake.apiUrl}/v10/gateway`)).body.text();
  const bot = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
  const ready = once(bot, Events.ClientReady);
  await bot.login('t');
  await ready;
  await (await request(`${fake.apiUrl}/v10/gateway`)).body.text();
  const got = new Promise<Interaction>((r) => bot.once(Events.InteractionCreate, r));
  await fake.dispatchInteraction(slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, subcommand: 'status' }));
  const i = await got;
  if (!i.isChatInputCommand()) throw new Error();
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const err = await i.editReply({ content: 'hi', files: [{ attachment: Buffer.alloc(200_000, 7), name: 'a.png' }] }).then(() => 'ok', (e) => String(e));
  console.log('RESULT', err);
  await bot.destroy();
  await fake.close();
});
