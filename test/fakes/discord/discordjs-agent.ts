import { createRequire } from 'node:module';
import type { ClientOptions } from 'discord.js';

/** The dispatcher type `rest.agent` accepts: @discordjs/rest's own undici (v6) Dispatcher. */
export type DiscordRestAgent = NonNullable<NonNullable<ClientOptions['rest']>['agent']>;

/**
 * A new `Agent` of the undici that discord.js sends with, for `rest: { agent }`.
 *
 * Why: discord.js 14 bundles undici 6 (nested under node_modules/@discordjs/rest), and the
 * app uses undici 7. Both share one process-wide default dispatcher; once undici 7 has created
 * it, every discord.js file upload fails (discordjs/discord.js#10946, #11525). An agent of
 * discord.js's own undici sidesteps the shared dispatcher. The module is nested, so it cannot
 * be imported by name: it is resolved along the real dependency chain discord.js →
 * @discordjs/rest → undici, whatever npm hoisted.
 */
export function discordJsAgent(): DiscordRestAgent {
  const fromHere = createRequire(import.meta.url);
  const restEntry = createRequire(fromHere.resolve('discord.js')).resolve('@discordjs/rest');
  const undici: { Agent: new () => DiscordRestAgent } = createRequire(restEntry)('undici');
  return new undici.Agent();
}
