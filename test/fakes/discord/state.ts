import { channelObject } from './guilds.js';
import { MessageStore } from './messages.js';
import type { FakeGuild, FakeUser, RegisteredCommands } from './types.js';

/** What the fake remembers about an interaction it dispatched, to answer its callback and webhook. */
export interface InteractionRecord {
  id: string;
  token: string;
  applicationId: string;
  /** Interaction type: 2 application command, 3 component, 5 modal submit. */
  type: number;
  channelId: string | undefined;
  guildId: string | undefined;
  /** The invoking user, for `interaction_metadata` of the response messages. */
  user: unknown;
  /** Callback type once acknowledged (4 reply, 5 defer, 9 modal...), null before. */
  callbackType: number | null;
  originalId: string | null;
  /** For a component interaction (type 3): the message the clicked component is on. */
  componentMessageId: string | null;
  followupIds: Set<string>;
  /** Set by `expireInteractionTokens()`: webhook calls then fail like after 15 minutes. */
  expired: boolean;
}

function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Everything the REST routes and the gateway share: identity, guilds, channels, messages, interactions. */
export class FakeState {
  readonly messages: MessageStore;
  readonly interactions = new Map<string, InteractionRecord>();
  /** Channel objects by id: guild channels from the options, plus channels seen in interactions (DMs). */
  readonly channels = new Map<string, Record<string, unknown>>();
  readonly commands: RegisteredCommands = { global: null, guilds: {} };
  /** What the PUT answered (ids added), for GET; keyed by guild id, or 'global'. */
  readonly echoedCommands = new Map<string, unknown[]>();
  /** The application's public key (hex), as `GET /applications/@me` gives it in `verify_key`. */
  verifyKey = '0'.repeat(64);

  constructor(
    readonly applicationId: string,
    readonly bot: FakeUser,
    readonly guilds: FakeGuild[],
    origin: string,
  ) {
    this.messages = new MessageStore(origin);
    for (const guild of guilds) {
      guild.channels.forEach((channel, index) => {
        this.channels.set(channel.id, channelObject(guild.id, channel, index));
      });
    }
  }

  /** The guild id of a known channel (undefined for DMs and unknown channels). */
  guildOf(channelId: string): string | undefined {
    return optionalString(this.channels.get(channelId)?.guild_id);
  }

  /**
   * Remembers a dispatched interaction so that its callback, `@original` and follow-ups can be
   * answered, and learns its channel (a DM channel is known to Discord only this way).
   */
  registerInteraction(payload: unknown): void {
    const id = optionalString(prop(payload, 'id'));
    const token = optionalString(prop(payload, 'token'));
    if (id === undefined || token === undefined) return;
    const channel = prop(payload, 'channel');
    const channelId = optionalString(prop(payload, 'channel_id')) ?? optionalString(prop(channel, 'id'));
    if (channelId !== undefined && !this.channels.has(channelId) && typeof channel === 'object' && channel) {
      this.channels.set(channelId, { ...(channel as Record<string, unknown>) });
    }
    this.interactions.set(id, {
      id,
      token,
      applicationId: optionalString(prop(payload, 'application_id')) ?? this.applicationId,
      type: typeof prop(payload, 'type') === 'number' ? (prop(payload, 'type') as number) : 2,
      channelId,
      guildId: optionalString(prop(payload, 'guild_id')),
      user: prop(prop(payload, 'member'), 'user') ?? prop(payload, 'user'),
      callbackType: null,
      originalId: null,
      componentMessageId: optionalString(prop(prop(payload, 'message'), 'id')) ?? null,
      followupIds: new Set(),
      expired: false,
    });
  }

  /** The interaction whose webhook token this is. */
  interactionByToken(token: string): InteractionRecord | undefined {
    for (const interaction of this.interactions.values()) {
      if (interaction.token === token) return interaction;
    }
    return undefined;
  }

  /** `interaction_metadata` for messages created by an interaction's responses. */
  interactionMetadata(interaction: InteractionRecord): Record<string, unknown> {
    return {
      id: interaction.id,
      type: interaction.type,
      user: interaction.user,
      authorizing_integration_owners: { '0': interaction.guildId ?? '0' },
    };
  }
}
