import { nextSnowflake } from './ids.js';
import type { FakeAttachment, FakeMessage, FakeUser, RecordedFile } from './types.js';

/** Message flag bits the fake interprets. */
export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  IsComponentsV2: 1 << 15,
} as const;

/** Flags a client may set on a message it sends or edits (Discord ignores the others). */
const SETTABLE_FLAGS = MessageFlag.SuppressEmbeds | MessageFlag.Ephemeral | MessageFlag.IsComponentsV2;

/** Fields of a stored message decided by the route, not by the request body. */
export interface MessageOrigin {
  channelId: string;
  guildId?: string | undefined;
  author: FakeUser;
  type?: number;
  extraFlags?: number;
  webhookId?: string;
  interactionMetadata?: unknown;
}

/** Reads a property of a JSON body that may be anything. */
function field(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
}

function has(body: unknown, key: string): boolean {
  return typeof body === 'object' && body !== null && key in body;
}

function arrayOrEmpty(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/**
 * Messages and uploaded attachment bytes, shared by the channel and webhook routes.
 * Messages are kept in creation order per channel so tests can read a channel's history.
 */
export class MessageStore {
  private readonly byId = new Map<string, FakeMessage>();
  private readonly bytesById = new Map<string, RecordedFile>();

  /** @param origin Base URL (`http://127.0.0.1:PORT`) that serves attachment bytes. */
  constructor(private readonly origin: string) {}

  /** Creates a message from a create-message body (content, embeds, components, flags, attachments) and files. */
  create(origin: MessageOrigin, body: unknown, files: RecordedFile[]): FakeMessage {
    const flags = (numberOr(field(body, 'flags'), 0) & SETTABLE_FLAGS) | (origin.extraFlags ?? 0);
    const message: FakeMessage = {
      id: nextSnowflake(),
      channel_id: origin.channelId,
      author: origin.author,
      content: typeof field(body, 'content') === 'string' ? (field(body, 'content') as string) : '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: field(body, 'tts') === true,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: this.attachmentsFor(origin.channelId, body, files, (flags & MessageFlag.Ephemeral) !== 0),
      embeds: arrayOrEmpty(field(body, 'embeds')),
      components: arrayOrEmpty(field(body, 'components')),
      pinned: false,
      type: origin.type ?? 0,
      flags,
    };
    if (origin.guildId !== undefined) message.guild_id = origin.guildId;
    if (origin.webhookId !== undefined) {
      message.webhook_id = origin.webhookId;
      message.application_id = origin.webhookId;
    }
    if (origin.interactionMetadata !== undefined) message.interaction_metadata = origin.interactionMetadata;
    this.byId.set(message.id, message);
    return message;
  }

  /**
   * Applies an edit-message body like Discord does: only the fields present change; `attachments`
   * lists the existing attachments to keep (all are kept when it is absent) and new files are added.
   * The first edit of a deferred reply clears the loading flag and is not marked as edited.
   */
  edit(id: string, body: unknown, files: RecordedFile[]): FakeMessage | undefined {
    const message = this.byId.get(id);
    if (!message) return undefined;
    const wasLoading = (message.flags & MessageFlag.Loading) !== 0;
    if (has(body, 'content')) {
      const content = field(body, 'content');
      message.content = typeof content === 'string' ? content : '';
    }
    if (has(body, 'embeds')) message.embeds = arrayOrEmpty(field(body, 'embeds'));
    if (has(body, 'components')) message.components = arrayOrEmpty(field(body, 'components'));
    if (has(body, 'flags')) {
      // Ephemerality is fixed at creation: only the other settable bits follow the edit.
      const requested = numberOr(field(body, 'flags'), 0) & SETTABLE_FLAGS & ~MessageFlag.Ephemeral;
      message.flags = (message.flags & MessageFlag.Ephemeral) | requested;
    }
    message.flags &= ~MessageFlag.Loading;
    const keep = field(body, 'attachments');
    const kept = Array.isArray(keep)
      ? message.attachments.filter((attachment) => keep.some((entry) => field(entry, 'id') === attachment.id))
      : message.attachments;
    const ephemeral = (message.flags & MessageFlag.Ephemeral) !== 0;
    message.attachments = [...kept, ...this.attachmentsFor(message.channel_id, body, files, ephemeral)];
    if (!wasLoading) message.edited_timestamp = new Date().toISOString();
    return message;
  }

  /** The stored message, if it exists and was not deleted. */
  get(id: string): FakeMessage | undefined {
    return this.byId.get(id);
  }

  /** Deletes a message; false if it did not exist. */
  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  /** Messages of a channel in creation order (ids are increasing snowflakes). */
  inChannel(channelId: string): FakeMessage[] {
    return [...this.byId.values()].filter((message) => message.channel_id === channelId);
  }

  /** The uploaded file behind an attachment id, to serve its `url`. */
  attachmentFile(attachmentId: string): RecordedFile | undefined {
    return this.bytesById.get(attachmentId);
  }

  /**
   * One attachment per uploaded file. discord.js sends `files[n]` parts and, in the JSON body,
   * `attachments: [{ id: n, description? }]` describing upload n; descriptions are taken from there.
   */
  private attachmentsFor(
    channelId: string,
    body: unknown,
    files: RecordedFile[],
    ephemeral: boolean,
  ): FakeAttachment[] {
    const described = arrayOrEmpty(field(body, 'attachments'));
    return files.map((file) => {
      const index = /^files\[(\d+)\]$/.exec(file.field)?.[1];
      const meta = described.find((entry) => String(field(entry, 'id')) === index);
      const id = nextSnowflake();
      const url = `${this.origin}/attachments/${channelId}/${id}/${encodeURIComponent(file.filename)}`;
      const attachment: FakeAttachment = {
        id,
        filename: file.filename,
        size: file.bytes.length,
        url,
        proxy_url: url,
        content_type: file.contentType,
      };
      const description = field(meta, 'description');
      if (typeof description === 'string') attachment.description = description;
      if (ephemeral) attachment.ephemeral = true;
      this.bytesById.set(id, file);
      return attachment;
    });
  }
}
