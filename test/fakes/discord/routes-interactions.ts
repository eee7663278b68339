import { MessageFlag, type MessageOrigin } from './messages.js';
import { discordError, param, type Route, type RouteContext, type RouteResult } from './router.js';
import type { FakeState, InteractionRecord } from './state.js';
import type { FakeMessage } from './types.js';

/** Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding). */
const Callback = {
  Pong: 1,
  ChannelMessage: 4,
  DeferredChannelMessage: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  Autocomplete: 8,
  Modal: 9,
  LaunchActivity: 12,
} as const;

const VALID_CALLBACKS = new Set<number>(Object.values(Callback));

const unknownMessage = (): RouteResult => discordError(404, 10008, 'Unknown Message');

function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Where and as whom the messages of an interaction's responses are created. */
function responseOrigin(state: FakeState, interaction: InteractionRecord, type: number): MessageOrigin {
  return {
    channelId: interaction.channelId ?? '0',
    guildId: interaction.guildId,
    author: state.bot,
    type,
    webhookId: interaction.applicationId,
    interactionMetadata: state.interactionMetadata(interaction),
  };
}

/** Creates the `@original` message of a reply (type 4) or a deferral (type 5, empty and loading). */
function createOriginal(ctx: RouteContext, interaction: InteractionRecord, type: number): FakeMessage {
  const data = prop(ctx.json, 'data');
  // A slash command's response is a ChatInputCommand message (type 20); others are plain.
  const origin = responseOrigin(ctx.state, interaction, interaction.type === 2 ? 20 : 0);
  if (type === Callback.DeferredChannelMessage) {
    return ctx.state.messages.create(
      { ...origin, extraFlags: MessageFlag.Loading },
      { flags: prop(data, 'flags') },
      [],
    );
  }
  return ctx.state.messages.create(origin, data, ctx.files);
}

/** The body Discord returns for `?with_response=true`. */
function callbackResponse(interaction: InteractionRecord, type: number, message: FakeMessage | undefined) {
  const summary: Record<string, unknown> = { id: interaction.id, type: interaction.type };
  if (message) {
    summary.response_message_id = message.id;
    summary.response_message_loading = (message.flags & MessageFlag.Loading) !== 0;
    summary.response_message_ephemeral = (message.flags & MessageFlag.Ephemeral) !== 0;
  }
  return { interaction: summary, resource: message ? { type, message } : { type } };
}

/**
 * An interaction's first response, whether it came as a REST callback or (over HTTP) as the answer to
 * Discord's POST: Discord treats both alike.
 */
export function handleCallback(ctx: RouteContext): RouteResult {
  const interaction = ctx.state.interactions.get(param(ctx, 'interaction'));
  if (!interaction || interaction.token !== param(ctx, 'token')) {
    return discordError(404, 10062, 'Unknown interaction');
  }
  if (interaction.callbackType !== null) {
    return discordError(400, 40060, 'Interaction has already been acknowledged.');
  }
  const type = prop(ctx.json, 'type');
  // A modal cannot answer a modal submit; Discord rejects it as an invalid body.
  if (
    typeof type !== 'number' ||
    !VALID_CALLBACKS.has(type) ||
    (type === Callback.Modal && interaction.type === 5)
  ) {
    return discordError(400, 50035, 'Invalid Form Body');
  }
  // Updating "the message" is only for a click on a component: `@original` is then the message clicked on.
  if (type === Callback.DeferredUpdateMessage || type === Callback.UpdateMessage) {
    if (interaction.componentMessageId === null) return discordError(400, 50035, 'Invalid Form Body');
    interaction.originalId = interaction.componentMessageId;
    if (type === Callback.UpdateMessage)
      ctx.state.messages.edit(interaction.originalId, prop(ctx.json, 'data'), ctx.files);
  }
  let message: FakeMessage | undefined;
  if (type === Callback.ChannelMessage || type === Callback.DeferredChannelMessage) {
    message = createOriginal(ctx, interaction, type);
    interaction.originalId = message.id;
  }
  interaction.callbackType = type;
  if (ctx.query.get('with_response') === 'true') {
    return { status: 200, json: callbackResponse(interaction, type, message) };
  }
  return { status: 204 };
}

/** The interaction behind `/webhooks/:app/:token`, or the error Discord gives for a bad or dead token. */
function findWebhook(
  ctx: RouteContext,
): { ok: true; interaction: InteractionRecord } | { ok: false; error: RouteResult } {
  const interaction = ctx.state.interactionByToken(param(ctx, 'token'));
  if (!interaction || interaction.expired) {
    return { ok: false, error: discordError(401, 50027, 'Invalid Webhook Token') };
  }
  if (interaction.applicationId !== param(ctx, 'app')) {
    return { ok: false, error: discordError(404, 10015, 'Unknown Webhook') };
  }
  return { ok: true, interaction };
}

/** The message `:message` (`@original` or a follow-up id) of an interaction webhook. */
function findWebhookMessage(ctx: RouteContext, interaction: InteractionRecord): FakeMessage | undefined {
  const requested = param(ctx, 'message');
  const id = requested === '@original' ? interaction.originalId : requested;
  if (id === null) return undefined;
  if (id !== interaction.originalId && !interaction.followupIds.has(id)) return undefined;
  return ctx.state.messages.get(id);
}

/**
 * Creates a follow-up. As on Discord, the first follow-up after a deferral replaces the loading
 * message (and keeps the deferral's ephemerality); `wait` is always true for interaction webhooks.
 */
function handleFollowUp(ctx: RouteContext): RouteResult {
  const found = findWebhook(ctx);
  if (!found.ok) return found.error;
  const { interaction } = found;
  if (interaction.callbackType === null) return discordError(404, 10015, 'Unknown Webhook');
  const original =
    interaction.originalId === null ? undefined : ctx.state.messages.get(interaction.originalId);
  if (original && (original.flags & MessageFlag.Loading) !== 0) {
    return { status: 200, json: ctx.state.messages.edit(original.id, ctx.json, ctx.files) };
  }
  const message = ctx.state.messages.create(responseOrigin(ctx.state, interaction, 0), ctx.json, ctx.files);
  interaction.followupIds.add(message.id);
  return { status: 200, json: message };
}

/** Routes without bot token: the interaction callback and the interaction webhook. */
export function interactionRoutes(): Route[] {
  const webhookMessage = '/webhooks/:app/:token/messages/:message';
  return [
    {
      method: 'POST',
      pattern: '/interactions/:interaction/:token/callback',
      auth: false,
      handle: handleCallback,
    },
    { method: 'POST', pattern: '/webhooks/:app/:token', auth: false, handle: handleFollowUp },
    {
      method: 'GET',
      pattern: webhookMessage,
      auth: false,
      handle: (ctx) => {
        const found = findWebhook(ctx);
        if (!found.ok) return found.error;
        const message = findWebhookMessage(ctx, found.interaction);
        return message ? { status: 200, json: message } : unknownMessage();
      },
    },
    {
      method: 'PATCH',
      pattern: webhookMessage,
      auth: false,
      handle: (ctx) => {
        const found = findWebhook(ctx);
        if (!found.ok) return found.error;
        const message = findWebhookMessage(ctx, found.interaction);
        if (!message) return unknownMessage();
        return { status: 200, json: ctx.state.messages.edit(message.id, ctx.json, ctx.files) };
      },
    },
    {
      method: 'DELETE',
      pattern: webhookMessage,
      auth: false,
      handle: (ctx) => {
        const found = findWebhook(ctx);
        if (!found.ok) return found.error;
        const message = findWebhookMessage(ctx, found.interaction);
        if (!message) return unknownMessage();
        ctx.state.messages.delete(message.id);
        return { status: 204 };
      },
    },
  ];
}
