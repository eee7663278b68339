/**
 * A REST instance of its own for interaction webhooks (editing the deferred reply, follow-ups). Discord does
 * not count these routes against a bot's global rate limit ("Interaction endpoints are not bound to the bot's
 * Global Rate Limit", https://discord.com/developers/docs/topics/rate-limits#global-rate-limit), but
 * @discordjs/rest counts every request of one instance against its 50 requests/s budget: under a crowd, 300
 * result edits queued behind each other for seconds. This instance has no client-side global budget; Discord's
 * per-route buckets and its 429s (global ones too) are still honoured by the REST queue. It sends no bot token
 * (the interaction token in the URL is the credential), through the same agent and base URL as the client.
 */
import { REST, type RESTOptions } from 'discord.js';
import type { DiscordRestAgent } from './discordjs-agent.js';

/** The interaction REST and how to let go of it at stop. */
export interface InteractionRest {
  rest: REST;
  /** Stops the instance's sweep timers (the agent belongs to the adapter and is closed there). */
  close(): void;
}

/** Builds the interaction REST; `options` are the client's own REST options (tests' retry and timeout). */
export function createInteractionRest(
  apiUrl: string,
  agent: DiscordRestAgent,
  options: Partial<RESTOptions> = {},
): InteractionRest {
  const rest = new REST({
    ...options,
    api: apiUrl,
    agent,
    globalRequestsPerSecond: Number.POSITIVE_INFINITY,
  });
  return {
    rest,
    close() {
      rest.clearHashSweeper();
      rest.clearHandlerSweeper();
    },
  };
}
