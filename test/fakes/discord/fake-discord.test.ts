// The app's undici (v7) must load before discord.js, as it may in the app: whichever undici loads
// first creates the process-wide default dispatcher, and discord.js uploads break only when it is
// undici 7's. A bare import is kept first by the import sorter.
import 'undici';
import { once } from 'node:events';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  type Interaction,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDiscordRestAgent,
  type DiscordRestAgent,
} from '../../../src/adapters/discord/discordjs-agent.js';
import {
  DEFAULT_CHANNEL_ID,
  DEFAULT_GUILD_ID,
  type FakeDiscord,
  MANAGE_GUILD,
  modalSubmit,
  type RecordedRequest,
  slashCommand,
  startFakeDiscord,
} from './index.js';

const TOKEN = 'fake-bot-token.do-not-log';

let fake: FakeDiscord | undefined;
let client: Client | undefined;
let agent: DiscordRestAgent | undefined;

afterEach(async () => {
  await client?.destroy();
  await agent?.close();
  await fake?.close();
  client = undefined;
  agent = undefined;
  fake = undefined;
});

/**
 * Starts the fake and a real discord.js client logged into it, ready (guilds received). The client
 * gets an agent of discord.js's own undici (src/adapters/discord/discordjs-agent.ts) unless `withAgent` is false.
 */
async function connect(withAgent = true) {
  const server = await startFakeDiscord();
  fake = server;
  agent = withAgent ? createDiscordRestAgent() : undefined;
  const rest = agent ? { api: server.apiUrl, agent } : { api: server.apiUrl };
  const bot = new Client({ intents: [GatewayIntentBits.Guilds], rest });
  client = bot;
  const ready = once(bot, Events.ClientReady);
  await bot.login(TOKEN);
  await ready;
  return { server, bot };
}

/** The next interaction the client emits. */
function nextInteraction(bot: Client): Promise<Interaction> {
  return new Promise((resolve) => bot.once(Events.InteractionCreate, resolve));
}

/** Dispatches a payload and returns the interaction discord.js built from it. */
async function deliver(server: FakeDiscord, bot: Client, payload: { id: string; token: string }) {
  const received = nextInteraction(bot);
  await server.dispatchInteraction(payload);
  return received;
}

const isCallback = (id: string) => (r: RecordedRequest) => r.path.startsWith(`/interactions/${id}/`);

describe('fake Discord driven by the real discord.js', () => {
  it('logs the client in: GET /gateway/bot with the bot token, READY, GUILD_CREATE with a text channel', async () => {
    const { server, bot } = await connect();

    expect(bot.user?.id).toBe(server.botUserId);
    expect(bot.application?.id).toBe(server.applicationId);
    const channel = bot.channels.cache.get(DEFAULT_CHANNEL_ID);
    expect(channel?.type).toBe(ChannelType.GuildText);
    expect(bot.guilds.cache.get(DEFAULT_GUILD_ID)?.roles.everyone.id).toBe(DEFAULT_GUILD_ID);
    expect(server.connections).toBe(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/gateway/bot', status: 200 });
    expect(server.requests[0]?.headers.authorization).toBe('Bot [redacted]');
    // The token never appears in what a failing test would print.
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });

  it('records defer (ephemeral), editReply with a file, and channel.send, with undici 7 loaded first', async () => {
    const { server, bot } = await connect();
    // undici 7 (the default dispatcher's owner, see the first import) in use before the upload.
    const warmUp = await request(`${server.apiUrl}/v10/gateway`);
    expect(await warmUp.body.json()).toEqual({ url: server.gatewayUrl });

    const payload = slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      subcommand: 'status',
      options: [{ name: 'job_id', type: 3, value: 'job-42' }],
    });
    const interaction = await deliver(server, bot, payload);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.commandName).toBe('skidio');
    expect(interaction.options.getSubcommand()).toBe('status');
    expect(interaction.options.getString('job_id')).toBe('job-42');
    expect(interaction.attachmentSizeLimit).toBe(10 * 1024 * 1024);

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const edited = await interaction.editReply({
      content: 'hi',
      files: [{ attachment: png, name: 'a.png' }],
    });
    if (!interaction.channel?.isSendable()) throw new Error('expected a sendable channel');
    const sent = await interaction.channel.send('x');

    const callback = await server.waitForRequest(isCallback(payload.id));
    expect(callback).toMatchObject({
      method: 'POST',
      path: `/interactions/${payload.id}/${payload.token}/callback`,
      json: { type: 5, data: { flags: 64 } },
      status: 204,
    });
    expect(callback.query.get('with_response')).toBe('false');
    expect(callback.headers.authorization).toBeUndefined();

    const edit = await server.waitForRequest((r) => r.method === 'PATCH');
    expect(edit.path).toBe(`/webhooks/${server.applicationId}/${payload.token}/messages/@original`);
    expect(edit.json).toMatchObject({ content: 'hi' });
    expect(edit.files).toHaveLength(1);
    expect(edit.files[0]).toMatchObject({ field: 'files[0]', filename: 'a.png', contentType: 'image/png' });
    expect(edit.files[0]?.bytes.equals(png)).toBe(true);
    expect(edited.attachments.first()?.name).toBe('a.png');
    expect(edited.attachments.first()?.size).toBe(png.length);

    const post = await server.waitForRequest((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(post).toMatchObject({ path: `/channels/${DEFAULT_CHANNEL_ID}/messages`, json: { content: 'x' } });
    expect(post.headers.authorization).toBe('Bot [redacted]');
    expect(sent.content).toBe('x');

    const [reply, message] = server.channelMessages(DEFAULT_CHANNEL_ID);
    expect(reply).toMatchObject({ content: 'hi', flags: 64, webhook_id: server.applicationId });
    expect(message).toMatchObject({ id: sent.id, content: 'x', flags: 0 });
    // The attachment URL serves the uploaded bytes.
    const download = await fetch(reply?.attachments[0]?.url ?? '');
    expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
  });

  it('reproduces the upstream bug without the agent, which is why connect() passes one', async () => {
    const { server, bot } = await connect(false);
    const payload = slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      subcommand: 'status',
    });
    const interaction = await deliver(server, bot, payload);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    await interaction.deferReply();
    // Text still goes through; the multipart upload dies inside undici 7's dispatcher. If this
    // starts passing after an upgrade, discord.js fixed it (discordjs/discord.js#10946, #11525).
    await interaction.editReply('text works');
    const upload = interaction.editReply({ files: [{ attachment: Buffer.from('png'), name: 'a.png' }] });
    await expect(upload).rejects.toThrow(/action is not a function|byteLength/);
  });

  it('shows a modal (Label-wrapped text input) and reads the submitted value back', async () => {
    const { server, bot } = await connect();
    const user = { id: '4000000000000000002', username: 'admin' };
    const command = slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      user,
      permissions: MANAGE_GUILD,
      group: 'key',
      subcommand: 'set',
    });
    const interaction = await deliver(server, bot, command);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.options.getSubcommandGroup()).toBe('key');
    expect(interaction.options.getSubcommand()).toBe('set');
    expect(interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)).toBe(true);

    const modal = new ModalBuilder()
      .setCustomId('key-set')
      .setTitle('Skidio API key')
      .addLabelComponents(
        new LabelBuilder()
          .setLabel('API key')
          .setTextInputComponent(
            new TextInputBuilder().setCustomId('api-key').setStyle(TextInputStyle.Short),
          ),
      );
    await interaction.showModal(modal);
    const shown = await server.waitForRequest(isCallback(command.id));
    expect(shown.json).toMatchObject({
      type: 9,
      data: {
        custom_id: 'key-set',
        components: [{ type: 18, component: { type: 4, custom_id: 'api-key' } }],
      },
    });

    const submitted = await deliver(
      server,
      bot,
      modalSubmit({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        user,
        permissions: MANAGE_GUILD,
        customId: 'key-set',
        fields: [{ customId: 'api-key', value: 'sk-secret-1234' }],
      }),
    );
    if (!submitted.isModalSubmit()) throw new Error('expected a modal submit');
    expect(submitted.customId).toBe('key-set');
    expect(submitted.user.id).toBe(user.id);
    expect(submitted.fields.getTextInputValue('api-key')).toBe('sk-secret-1234');
    await submitted.reply({ content: 'Key set: ••••1234', flags: MessageFlags.Ephemeral });
    const reply = await server.waitForRequest(isCallback(submitted.id));
    expect(reply.json).toMatchObject({ type: 4, data: { content: 'Key set: ••••1234', flags: 64 } });

    // The legacy layout (text input in an action row) parses too.
    const legacy = await deliver(
      server,
      bot,
      modalSubmit({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        customId: 'key-set',
        layout: 'actionRow',
        fields: [{ customId: 'api-key', value: 'legacy' }],
      }),
    );
    if (!legacy.isModalSubmit()) throw new Error('expected a modal submit');
    expect(legacy.fields.getTextInputValue('api-key')).toBe('legacy');
  });

  it('builds DM interactions: no guild, a DM channel, the user instead of a member', async () => {
    const { server, bot } = await connect();
    const payload = slashCommand({ channelId: '3000000000000000099', subcommand: 'help' });
    const interaction = await deliver(server, bot, payload);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    expect(interaction.inGuild()).toBe(false);
    expect(interaction.guildId).toBeNull();
    expect(interaction.member).toBeNull();
    expect(interaction.user.username).toBe('tester');
    expect(interaction.channelId).toBe('3000000000000000099');
    // discord.js caches a DM channel only with `partials: [Partials.Channel]`: without it,
    // `interaction.channel` is null in DMs (the adapter must not rely on it there).
    expect(interaction.channel).toBeNull();
    // `withResponse` asks for the callback body (`?with_response=true`), which carries the message.
    const response = await interaction.reply({
      content: 'usage',
      flags: MessageFlags.Ephemeral,
      withResponse: true,
    });
    expect(response.resource?.message?.content).toBe('usage');
    expect(response.resource?.message?.flags.has(MessageFlags.Ephemeral)).toBe(true);
    const callback = await server.waitForRequest(isCallback(payload.id));
    expect(callback.query.get('with_response')).toBe('true');
    expect(callback.status).toBe(200);
  });

  it('serves injected failures: 403 Missing Permissions rejects, 429 and 500 are retried by discord.js', async () => {
    const { server, bot } = await connect();
    const channel = bot.channels.cache.get(DEFAULT_CHANNEL_ID);
    if (!channel?.isSendable()) throw new Error('expected a sendable channel');
    const messages = { method: 'POST', path: `/channels/${DEFAULT_CHANNEL_ID}/messages` };

    server.respondNext(messages, { status: 403, json: { message: 'Missing Permissions', code: 50013 } });
    const denied = await channel.send('nope').catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(DiscordAPIError);
    expect((denied as DiscordAPIError).code).toBe(50013);

    server.respondNext(messages, {
      status: 429,
      json: { message: 'You are being rate limited.', retry_after: 0.01, global: false },
    });
    server.respondNext(
      { path: /^\/channels\/\d+\/messages$/ },
      { status: 500, json: { message: 'oops', code: 0 } },
    );
    const sent = await channel.send('eventually');
    expect(sent.content).toBe('eventually');
    const statuses = server.requests.filter((r) => r.path === messages.path).map((r) => r.status);
    expect(statuses).toEqual([403, 429, 500, 200]);
  });

  it('models interaction webhooks: follow-up after defer, unknown interaction, expired token', async () => {
    const { server, bot } = await connect();
    const payload = slashCommand({
      guildId: DEFAULT_GUILD_ID,
      channelId: DEFAULT_CHANNEL_ID,
      subcommand: 'status',
    });
    const interaction = await deliver(server, bot, payload);
    if (!interaction.isChatInputCommand()) throw new Error('expected a chat input command');
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // As on Discord, the first follow-up replaces the loading message and stays ephemeral.
    const first = await interaction.followUp({ content: 'first' });
    const original = await interaction.fetchReply();
    expect(first.id).toBe(original.id);
    expect(first.flags.has(MessageFlags.Ephemeral)).toBe(true);
    const second = await interaction.followUp({ content: 'second' });
    expect(second.id).not.toBe(first.id);
    expect(second.flags.has(MessageFlags.Ephemeral)).toBe(false);

    server.expireInteractionTokens();
    const expired = await interaction.editReply('too late').catch((error: unknown) => error);
    expect((expired as DiscordAPIError).code).toBe(50027);

    server.respondNext(
      { path: /\/callback$/ },
      { status: 404, json: { message: 'Unknown interaction', code: 10062 } },
    );
    const late = await deliver(
      server,
      bot,
      slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, subcommand: 'help' }),
    );
    if (!late.isChatInputCommand()) throw new Error('expected a chat input command');
    const unknown = await late.deferReply().catch((error: unknown) => error);
    expect((unknown as DiscordAPIError).code).toBe(10062);
  });

  it('records command registration, global and per guild', async () => {
    const { server, bot } = await connect();
    const definition = { name: 'skidio', description: 'Skidio Labs jobs', options: [] };
    const global = await bot.application?.commands.set([definition]);
    expect(global?.first()?.name).toBe('skidio');
    await bot.application?.commands.set([definition], DEFAULT_GUILD_ID);
    expect(server.registeredCommands.global).toEqual([expect.objectContaining({ name: 'skidio' })]);
    expect(server.registeredCommands.guilds[DEFAULT_GUILD_ID]).toEqual([
      expect.objectContaining({ name: 'skidio' }),
    ]);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `PUT /applications/${server.applicationId}/guilds/${DEFAULT_GUILD_ID}/commands`,
    );
  });

  it('lets the client resume after dropConnections() and still delivers interactions', async () => {
    const { server, bot } = await connect();
    server.dropConnections();
    // dispatchInteraction waits for the client to come back (discord.js waits ~500 ms to resume).
    const interaction = await deliver(
      server,
      bot,
      slashCommand({ guildId: DEFAULT_GUILD_ID, channelId: DEFAULT_CHANNEL_ID, subcommand: 'help' }),
    );
    expect(interaction.isChatInputCommand()).toBe(true);
    expect(server.gatewayStats).toEqual({ identifies: 1, resumes: 1 });
  });

  it('rejects waitForRequest on timeout with the list of received requests, never the token', async () => {
    const { server } = await connect();
    const failure = await server
      .waitForRequest((r) => r.path === '/never', 50)
      .catch((error: unknown) => error);
    expect(String(failure)).toContain('GET /gateway/bot -> 200');
    expect(String(failure)).not.toContain(TOKEN);
  });
});
