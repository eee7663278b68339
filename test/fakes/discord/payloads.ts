import { EVERYONE_PERMISSIONS } from './guilds.js';
import { nextSnowflake, randomToken } from './ids.js';

/** The Manage Server permission bit, which makes a member a workspace admin for the bot. */
export const MANAGE_GUILD = 1n << 5n;

/** Default ids, matching `startFakeDiscord()`'s defaults. */
export const DEFAULT_APPLICATION_ID = '1000000000000000001';
export const DEFAULT_GUILD_ID = '2000000000000000001';
export const DEFAULT_CHANNEL_ID = '3000000000000000001';
export const DEFAULT_USER = { id: '4000000000000000001', username: 'tester' } as const;

/** Discord's default upload limit (10 MiB), sent as `attachment_size_limit`. */
export const DEFAULT_ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024;

/** Who invokes the interaction. */
export interface PayloadUser {
  id: string;
  username: string;
}

/** Where and by whom: a guild interaction if `guildId` is set, else a DM with the bot. */
export interface InteractionContextInput {
  guildId?: string;
  channelId: string;
  channelName?: string;
  user?: PayloadUser;
  /** The member's permissions (bit field); default none. Ignored in DMs. */
  permissions?: bigint | string;
  /** The app's permissions in the channel; default view, send, embed, attach, read history. */
  appPermissions?: bigint | string;
  attachmentSizeLimit?: number;
  locale?: string;
  applicationId?: string;
}

/** A slash command option inside the subcommand, e.g. `{ name: 'job_id', type: 3, value: 'abc' }`. */
export interface CommandOptionInput {
  name: string;
  type: number;
  value: string | number | boolean;
}

/** `/skidio [group] <subcommand> [options]`. */
export interface SlashCommandInput extends InteractionContextInput {
  subcommand: string;
  group?: string;
  options?: CommandOptionInput[];
  /** Top-level command name; default 'skidio'. */
  commandName?: string;
}

/** A submitted text input. */
export interface ModalFieldInput {
  customId: string;
  value: string;
}

/** A modal submission; `layout` picks the current Label (18) wrapping or the legacy action row (1). */
export interface ModalSubmitInput extends InteractionContextInput {
  customId: string;
  fields: ModalFieldInput[];
  layout?: 'label' | 'actionRow';
}

/** An INTERACTION_CREATE payload as Discord sends it (the fields the fake and discord.js use are typed). */
export interface InteractionPayload {
  id: string;
  application_id: string;
  type: number;
  token: string;
  version: 1;
  data: Record<string, unknown>;
  guild_id?: string;
  guild?: Record<string, unknown>;
  channel_id: string;
  channel: Record<string, unknown>;
  member?: Record<string, unknown>;
  user?: Record<string, unknown>;
  app_permissions: string;
  locale: string;
  guild_locale?: string;
  entitlements: unknown[];
  authorizing_integration_owners: Record<string, string>;
  context: number;
  attachment_size_limit: number;
}

function userObject(user: PayloadUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.username,
    avatar: null,
    public_flags: 0,
  };
}

/** Everything but `type` and `data`: ids, token, channel, member or user, permissions, locale. */
function baseInteraction(input: InteractionContextInput): Omit<InteractionPayload, 'type' | 'data'> {
  const user = userObject(input.user ?? DEFAULT_USER);
  const appPermissions = String(input.appPermissions ?? EVERYONE_PERMISSIONS);
  const common = {
    id: nextSnowflake(),
    application_id: input.applicationId ?? DEFAULT_APPLICATION_ID,
    token: randomToken(),
    version: 1 as const,
    channel_id: input.channelId,
    app_permissions: appPermissions,
    locale: input.locale ?? 'en-US',
    entitlements: [],
    attachment_size_limit: input.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_SIZE_LIMIT,
  };
  if (input.guildId === undefined) {
    // A DM: `user` instead of `member`, a DM channel (type 1) with the user as recipient.
    return {
      ...common,
      user,
      channel: { id: input.channelId, type: 1, last_message_id: null, flags: 0, recipients: [user] },
      authorizing_integration_owners: { '0': '0' },
      context: 1,
    };
  }
  const permissions = String(input.permissions ?? 0n);
  return {
    ...common,
    guild_id: input.guildId,
    guild: { id: input.guildId, locale: 'en-US', features: [] },
    guild_locale: 'en-US',
    channel: {
      id: input.channelId,
      type: 0,
      guild_id: input.guildId,
      name: input.channelName ?? 'general',
      position: 0,
      parent_id: null,
      topic: null,
      nsfw: false,
      flags: 0,
      last_message_id: null,
      rate_limit_per_user: 0,
      permissions,
    },
    member: {
      user,
      roles: [],
      permissions,
      joined_at: new Date(Date.now() - 86_400_000).toISOString(),
      premium_since: null,
      nick: null,
      avatar: null,
      deaf: false,
      mute: false,
      pending: false,
      flags: 0,
      communication_disabled_until: null,
    },
    authorizing_integration_owners: { '0': input.guildId },
    context: 0,
  };
}

/**
 * A chat-input command interaction (type 2) for `/skidio [group] <subcommand> [options]`; send it
 * with `fake.dispatchInteraction(payload)`.
 */
export function slashCommand(input: SlashCommandInput): InteractionPayload {
  const subcommand = { name: input.subcommand, type: 1, options: input.options ?? [] };
  const options =
    input.group === undefined ? [subcommand] : [{ name: input.group, type: 2, options: [subcommand] }];
  return {
    ...baseInteraction(input),
    type: 2,
    data: { id: nextSnowflake(), name: input.commandName ?? 'skidio', type: 1, options },
  };
}

/**
 * A modal submit interaction (type 5). By default each text input (type 4) is wrapped in a Label
 * (type 18, `component`), as modals built with discord.js 14.28's LabelBuilder come back;
 * `layout: 'actionRow'` gives the legacy action row (type 1, `components`). discord.js reads both.
 */
export function modalSubmit(input: ModalSubmitInput): InteractionPayload {
  const components = input.fields.map((field, index) => {
    const textInput = { type: 4, id: index * 2 + 2, custom_id: field.customId, value: field.value };
    return input.layout === 'actionRow'
      ? { type: 1, id: index * 2 + 1, components: [textInput] }
      : { type: 18, id: index * 2 + 1, component: textInput };
  });
  return { ...baseInteraction(input), type: 5, data: { custom_id: input.customId, components } };
}

/** A click on a button (component type 2) of `message`: a component interaction (type 3). */
export function buttonClick(
  input: InteractionContextInput & { customId: string; message: Record<string, unknown> },
): InteractionPayload & { message: Record<string, unknown> } {
  return {
    ...baseInteraction(input),
    type: 3,
    data: { custom_id: input.customId, component_type: 2 },
    message: input.message,
  };
}
