import { nextSnowflake } from './ids.js';
import { discordError, param, type Route, type RouteContext, type RouteResult } from './router.js';

/**
 * Echoes a bulk-overwrite body the way Discord answers it: each command gets an id, the
 * application id, a version and the defaults Discord fills in.
 */
function echoCommands(ctx: RouteContext, guildId?: string): unknown[] {
  const body = Array.isArray(ctx.json) ? ctx.json : [];
  return body.map((command: unknown) => ({
    type: 1,
    default_member_permissions: null,
    nsfw: false,
    ...(typeof command === 'object' && command !== null ? command : {}),
    id: nextSnowflake(),
    application_id: ctx.state.applicationId,
    ...(guildId === undefined ? {} : { guild_id: guildId }),
    version: nextSnowflake(),
  }));
}

function checkApplication(ctx: RouteContext): RouteResult | undefined {
  return param(ctx, 'app') === ctx.state.applicationId
    ? undefined
    : discordError(404, 10002, 'Unknown Application');
}

function checkGuild(ctx: RouteContext): RouteResult | undefined {
  const guildId = param(ctx, 'guild');
  return ctx.state.guilds.some((guild) => guild.id === guildId)
    ? undefined
    : discordError(404, 10004, 'Unknown Guild');
}

/**
 * Routes for login and command registration. `gatewayUrl` is what `GET /gateway/bot`
 * announces; discord.js connects there (then to READY's `resume_gateway_url` to resume).
 */
export function appRoutes(gatewayUrl: string): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/gateway/bot',
      auth: true,
      handle: () => ({
        status: 200,
        json: {
          url: gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
      }),
    },
    {
      method: 'GET',
      pattern: '/gateway',
      auth: false,
      handle: () => ({ status: 200, json: { url: gatewayUrl } }),
    },
    {
      method: 'GET',
      pattern: '/users/@me',
      auth: true,
      handle: (ctx) => ({
        status: 200,
        json: { ...ctx.state.bot, verified: true, mfa_enabled: false, flags: 0 },
      }),
    },
    {
      method: 'GET',
      pattern: '/applications/@me',
      auth: true,
      handle: (ctx) => ({
        status: 200,
        json: {
          id: ctx.state.applicationId,
          name: ctx.state.bot.username,
          icon: null,
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: ctx.state.verifyKey,
          flags: 0,
          bot: ctx.state.bot,
          owner: { id: '1000000000000000009', username: 'owner', discriminator: '0', avatar: null },
          team: null,
        },
      }),
    },
    {
      method: 'GET',
      pattern: '/applications/:app/commands',
      auth: true,
      handle: (ctx) =>
        checkApplication(ctx) ?? { status: 200, json: ctx.state.echoedCommands.get('global') ?? [] },
    },
    {
      method: 'PUT',
      pattern: '/applications/:app/commands',
      auth: true,
      handle: (ctx) => {
        const failure = checkApplication(ctx);
        if (failure) return failure;
        ctx.state.commands.global = Array.isArray(ctx.json) ? ctx.json : [];
        const echoed = echoCommands(ctx);
        ctx.state.echoedCommands.set('global', echoed);
        return { status: 200, json: echoed };
      },
    },
    {
      method: 'GET',
      pattern: '/applications/:app/guilds/:guild/commands',
      auth: true,
      handle: (ctx) =>
        checkApplication(ctx) ??
        checkGuild(ctx) ?? { status: 200, json: ctx.state.echoedCommands.get(param(ctx, 'guild')) ?? [] },
    },
    {
      method: 'PUT',
      pattern: '/applications/:app/guilds/:guild/commands',
      auth: true,
      handle: (ctx) => {
        const failure = checkApplication(ctx) ?? checkGuild(ctx);
        if (failure) return failure;
        const guildId = param(ctx, 'guild');
        ctx.state.commands.guilds[guildId] = Array.isArray(ctx.json) ? ctx.json : [];
        const echoed = echoCommands(ctx, guildId);
        ctx.state.echoedCommands.set(guildId, echoed);
        return { status: 200, json: echoed };
      },
    },
  ];
}
