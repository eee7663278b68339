/** A text-ish channel of a fake guild. `type` is Discord's channel type (0 = text, the default). */
export interface FakeChannel {
  id: string;
  name?: string;
  type?: number;
}

/** A guild the fake bot is in; it is announced with GUILD_CREATE after READY. */
export interface FakeGuild {
  id: string;
  name?: string;
  channels: FakeChannel[];
}

/** Options of `startFakeDiscord`. Every field has a default that works with discord.js. */
export interface FakeDiscordOptions {
  /** Application id (also the id of interaction webhooks). Default '1000000000000000001'. */
  applicationId?: string;
  /** The bot user's id. Default '1000000000000000002'. */
  botUserId?: string;
  /** The bot user's username. Default 'skidio-bot'. */
  botUsername?: string;
  /** Guilds the bot is in. Default: one guild '2000000000000000001' with text channel '3000000000000000001'. */
  guilds?: FakeGuild[];
  /** Heartbeat interval announced in op 10 HELLO. Default 45000 ms (Discord's usual value). */
  heartbeatIntervalMs?: number;
}

/** One uploaded file of a multipart request. */
export interface RecordedFile {
  /** Form field name, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** A request the fake received, as a test wants to assert on it. */
export interface RecordedRequest {
  method: string;
  /** URL-decoded path without the `/api/v10` prefix, e.g. `/webhooks/APP/TOKEN/messages/@original`. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names; `authorization` is redacted to `Bot [redacted]` so tokens never reach test output. */
  headers: Record<string, string>;
  /** The JSON body, or the multipart `payload_json` part parsed; absent when there is no body. */
  json?: unknown;
  files: RecordedFile[];
  /** The status the fake answered with. */
  status: number;
}

/** Which requests an injected response applies to: `path` is compared exactly (string) or tested (RegExp). */
export interface RequestMatch {
  /** Upper-case HTTP method; any method when omitted. */
  method?: string;
  path: RegExp | string;
}

/** A response to serve instead of the normal route, e.g. `{ status: 403, json: { message: 'Missing Permissions', code: 50013 } }`. */
export interface InjectedResponse {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** Run the route first (its state changes stand) and answer this instead: Discord took it, the answer was lost. */
  afterRoute?: boolean;
}

/** A user object as Discord sends it. */
export interface FakeUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
  public_flags: number;
}

/** An attachment of a stored message; `url` serves the uploaded bytes from the fake. */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type: string;
  description?: string;
  ephemeral?: boolean;
}

/** A message as the fake stores and returns it (enough for discord.js to build a `Message`). */
export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: FakeUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: unknown[];
  mention_roles: string[];
  attachments: FakeAttachment[];
  embeds: unknown[];
  components: unknown[];
  pinned: boolean;
  /** 0 for channel messages and follow-ups, 20 for the original response to a slash command. */
  type: number;
  /** Bit field: 64 ephemeral, 128 loading (a deferred reply not yet edited). */
  flags: number;
  webhook_id?: string;
  application_id?: string;
  interaction_metadata?: unknown;
}

/** Last bodies sent to the bulk-overwrite command routes, as the client sent them. */
export interface RegisteredCommands {
  /** Body of the last `PUT /applications/:app/commands`, or null if there was none. */
  global: unknown[] | null;
  /** Body of the last `PUT /applications/:app/guilds/:guild/commands`, by guild id. */
  guilds: Record<string, unknown[]>;
}
