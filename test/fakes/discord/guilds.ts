import type { FakeChannel, FakeGuild, FakeUser } from './types.js';

/**
 * Permissions of @everyone in fake guilds: view channels, send messages, embed links,
 * attach files, read history, use application commands. discord.js computes channel
 * permissions from roles, so a plausible value keeps `permissionsFor()` meaningful.
 */
export const EVERYONE_PERMISSIONS = (
  (1n << 10n) | // VIEW_CHANNEL
  (1n << 11n) | // SEND_MESSAGES
  (1n << 14n) | // EMBED_LINKS
  (1n << 15n) | // ATTACH_FILES
  (1n << 16n) | // READ_MESSAGE_HISTORY
  (1n << 31n)
) // USE_APPLICATION_COMMANDS
  .toString();

/** Owner of every fake guild: someone other than the bot or the default test user. */
const OWNER_ID = '1000000000000000009';

/** A Discord channel object for a guild channel (GET /channels/:id and GUILD_CREATE). */
export function channelObject(
  guildId: string,
  channel: FakeChannel,
  position: number,
): Record<string, unknown> {
  return {
    id: channel.id,
    type: channel.type ?? 0,
    guild_id: guildId,
    name: channel.name ?? `channel-${position}`,
    position,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

/**
 * The GUILD_CREATE payload of a guild. discord.js needs `roles` (with @everyone, whose id is
 * the guild id) and `channels` to build a cached guild whose channels can `send()`; the rest
 * mirrors what Discord sends so that nothing reads `undefined` where it expects an array.
 */
export function guildCreatePayload(guild: FakeGuild, bot: FakeUser): Record<string, unknown> {
  const joinedAt = new Date().toISOString();
  return {
    id: guild.id,
    name: guild.name ?? 'Fake Guild',
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: OWNER_ID,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_members: 500000,
    features: [],
    emojis: [],
    stickers: [],
    roles: [
      {
        id: guild.id,
        name: '@everyone',
        permissions: EVERYONE_PERMISSIONS,
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        mentionable: false,
        icon: null,
        unicode_emoji: null,
        flags: 0,
      },
    ],
    channels: guild.channels.map((channel, index) => channelObject(guild.id, channel, index)),
    threads: [],
    members: [{ user: bot, roles: [], joined_at: joinedAt, deaf: false, mute: false, flags: 0 }],
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    member_count: 2,
    large: false,
    joined_at: joinedAt,
    unavailable: false,
  };
}
