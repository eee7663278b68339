/**
 * The HTTP agent discord.js must send with. discord.js 14 bundles undici 6 (nested under @discordjs/rest),
 * while the app uses undici 7; both share one process-wide default dispatcher, and once undici 7 has created
 * it every discord.js file upload fails (`action is not a function`; discordjs/discord.js#10946, #11525).
 * Giving discord.js an `Agent` of its own undici sidesteps the shared dispatcher. Never call
 * `setGlobalDispatcher` instead: that would change every other HTTP client in the process.
 */
import { createRequire } from 'node:module';
import type { ClientOptions } from 'discord.js';

/** The dispatcher type `rest.agent` accepts: @discordjs/rest's own undici Dispatcher, with `close`/`destroy`. */
export type DiscordRestAgent = NonNullable<NonNullable<ClientOptions['rest']>['agent']>;

/**
 * A new `Agent` of the undici that discord.js sends with, for `rest: { agent }`. The module is nested, so it
 * cannot be imported by name: it is resolved along the real dependency chain discord.js → @discordjs/rest →
 * undici, wherever npm placed each of them.
 */
export function createDiscordRestAgent(): DiscordRestAgent {
  const fromHere = createRequire(import.meta.url);
  const restEntry = createRequire(fromHere.resolve('discord.js')).resolve('@discordjs/rest');
  const undici: { Agent: new () => DiscordRestAgent } = createRequire(restEntry)('undici');
  return new undici.Agent();
}
