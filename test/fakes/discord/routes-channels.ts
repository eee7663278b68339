import { discordError, param, type Route, type RouteContext, type RouteResult } from './router.js';
import type { FakeMessage } from './types.js';

const unknownChannel = (): RouteResult => discordError(404, 10003, 'Unknown Channel');
const unknownMessage = (): RouteResult => discordError(404, 10008, 'Unknown Message');

/** The stored message `:message` of channel `:channel`, or the Discord error for a missing one. */
function findMessage(
  ctx: RouteContext,
): { ok: true; message: FakeMessage } | { ok: false; error: RouteResult } {
  const channelId = param(ctx, 'channel');
  if (!ctx.state.channels.has(channelId)) return { ok: false, error: unknownChannel() };
  const message = ctx.state.messages.get(param(ctx, 'message'));
  return message && message.channel_id === channelId
    ? { ok: true, message }
    : { ok: false, error: unknownMessage() };
}

/** Bot-token routes on channels: read a channel, create, read, edit and delete its messages. */
export function channelRoutes(): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/channels/:channel',
      auth: true,
      handle: (ctx) => {
        const channel = ctx.state.channels.get(param(ctx, 'channel'));
        return channel ? { status: 200, json: channel } : unknownChannel();
      },
    },
    {
      method: 'POST',
      pattern: '/channels/:channel/messages',
      auth: true,
      handle: (ctx) => {
        const channelId = param(ctx, 'channel');
        if (!ctx.state.channels.has(channelId)) return unknownChannel();
        const origin = { channelId, guildId: ctx.state.guildOf(channelId), author: ctx.state.bot };
        return { status: 200, json: ctx.state.messages.create(origin, ctx.json, ctx.files) };
      },
    },
    {
      method: 'GET',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (ctx) => {
        const found = findMessage(ctx);
        return found.ok ? { status: 200, json: found.message } : found.error;
      },
    },
    {
      method: 'PATCH',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (ctx) => {
        const found = findMessage(ctx);
        if (!found.ok) return found.error;
        if (found.message.author.id !== ctx.state.bot.id) {
          return discordError(403, 50005, 'Cannot edit a message authored by another user');
        }
        return { status: 200, json: ctx.state.messages.edit(found.message.id, ctx.json, ctx.files) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/channels/:channel/messages/:message',
      auth: true,
      handle: (ctx) => {
        const found = findMessage(ctx);
        if (!found.ok) return found.error;
        ctx.state.messages.delete(found.message.id);
        return { status: 204 };
      },
    },
  ];
}
