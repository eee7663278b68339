/**
 * The Discord REST calls replies are made of. Interaction webhooks need no bot token, live 15 minutes and are
 * exempt from Discord's global rate limit, so they go through a REST instance of their own (interaction-rest.ts);
 * channel messages and DMs use the bot token, live forever and go through the client's REST (its global
 * budget). Every call rejects with discord.js's `DiscordAPIError`.
 */
import { ButtonStyle, ComponentType, MessageFlags, type RawFile, type REST, Routes } from 'discord.js';
import { actionIdOf, type ResultAction } from '../../core/results/result-actions.js';

/** One file to upload. */
export interface UploadFile {
  name: string;
  bytes: Buffer;
  contentType: string;
}

/** A message as the bot sends it. */
export interface OutgoingMessage {
  content: string;
  files?: readonly UploadFile[];
  /** Only for new interaction messages (follow-ups): ephemerality is fixed when a message is created. */
  ephemeral?: boolean;
  /** The one user this message may ping; nobody else (no @everyone, no roles), whatever the text says. */
  mentionUserId?: string;
  /** A result's buttons, in one row; each carries only its record's id (result-actions.ts). */
  buttons?: readonly ResultAction[];
}

/** The calls replies need. */
export interface DiscordMessenger {
  /** Edits the interaction's first reply (the deferred one). */
  editOriginal(applicationId: string, token: string, message: OutgoingMessage): Promise<void>;
  /** Deletes the interaction's `@original`: for a click on a button, the message the button is on. */
  deleteOriginal(applicationId: string, token: string): Promise<void>;
  /** Adds a message to the interaction (after the original has been edited once). */
  followUp(applicationId: string, token: string, message: OutgoingMessage): Promise<void>;
  /** Posts a bot message in a channel; returns its id. */
  send(channelId: string, message: OutgoingMessage): Promise<string>;
  /** Edits a bot message in a channel. */
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
  /** Opens (or finds) the DM channel with a user; returns its id. */
  openDirectMessage(userId: string): Promise<string>;
}

/**
 * The JSON part of a message. `attachments` describes each upload by its `files[n]` index
 * (https://discord.com/developers/docs/reference#uploading-files); on an edit it also replaces the old ones.
 */
function messageBody(message: OutgoingMessage, isNew: boolean): Record<string, unknown> {
  return {
    content: message.content,
    allowed_mentions: { parse: [], users: message.mentionUserId ? [message.mentionUserId] : [] },
    ...(message.files && message.files.length > 0
      ? { attachments: message.files.map((file, index) => ({ id: index, filename: file.name })) }
      : {}),
    ...(isNew && message.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
    ...(message.buttons && message.buttons.length > 0 ? { components: [buttonRow(message.buttons)] } : {}),
  };
}

const BUTTON_STYLES = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
} as const;

/** One action row of buttons (https://discord.com/developers/docs/components/reference#button). */
function buttonRow(actions: readonly ResultAction[]) {
  return {
    type: ComponentType.ActionRow,
    components: actions.map((action) => ({
      type: ComponentType.Button,
      style: BUTTON_STYLES[action.style],
      label: action.label,
      custom_id: actionIdOf(action),
    })),
  };
}

function rawFiles(message: OutgoingMessage): RawFile[] | undefined {
  if (!message.files || message.files.length === 0) return undefined;
  return message.files.map((file, index) => ({
    key: `files[${index}]`,
    name: file.name,
    data: file.bytes,
    contentType: file.contentType,
  }));
}

function request(message: OutgoingMessage, isNew: boolean) {
  const files = rawFiles(message);
  return { body: messageBody(message, isNew), ...(files ? { files } : {}) };
}

/** The two REST instances: the client's (bot token) and the one for interaction webhooks. */
export interface MessengerRests {
  bot: REST;
  interactions: REST;
}

/** Builds the messenger on the two REST instances. */
export function createDiscordMessenger({ bot: rest, interactions }: MessengerRests): DiscordMessenger {
  return {
    async editOriginal(applicationId, token, message) {
      await interactions.patch(Routes.webhookMessage(applicationId, token, '@original'), {
        ...request(message, false),
        auth: false,
      });
    },
    async deleteOriginal(applicationId, token) {
      await interactions.delete(Routes.webhookMessage(applicationId, token, '@original'), { auth: false });
    },
    async followUp(applicationId, token, message) {
      await interactions.post(Routes.webhook(applicationId, token), {
        ...request(message, true),
        query: new URLSearchParams({ wait: 'true' }),
        auth: false,
      });
    },
    async send(channelId, message) {
      const created = (await rest.post(Routes.channelMessages(channelId), request(message, true))) as {
        id: string;
      };
      return created.id;
    },
    async edit(channelId, messageId, message) {
      await rest.patch(Routes.channelMessage(channelId, messageId), request(message, false));
    },
    async openDirectMessage(userId) {
      const channel = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as {
        id: string;
      };
      return channel.id;
    },
  };
}
