/** What the Slack listeners share, and how they turn a Slack user into the core's requester. */
import type { webApi } from '@slack/bolt';
import type { Requester } from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import type { BotServices } from '../../services.js';
import type { AdminCheck } from './admins.js';
import { type BotIdentity, slackMention } from './slack-identity.js';

/** Everything a listener needs besides what Bolt hands it. */
export interface SlackListenerDeps {
  services: BotServices;
  isAdmin: AdminCheck;
  identity: BotIdentity;
  log: Logger;
  /** The Web API client's retry policy, which the raw image upload follows too. */
  uploadRetry: webApi.RetryOptions;
}

/**
 * The requester of a command. `users.info` is asked only when the command is for admins, so `status` and
 * `help` cost no extra API call.
 */
export async function slackRequester(
  deps: SlackListenerDeps,
  client: webApi.WebClient,
  user: { id: string; name: string },
  adminOnly: boolean,
): Promise<Requester> {
  return {
    id: user.id,
    displayName: user.name,
    mention: slackMention(user.id),
    isAdmin: adminOnly ? await deps.isAdmin(client, user.id) : false,
  };
}

/**
 * Remembers the bot's user id from Bolt's context (auth.test, or the workspace's installation) for the invite
 * hint, and returns the identity for this event's replies: with OAuth each workspace has its own bot user.
 */
export function learnBotIdentity(
  identity: BotIdentity,
  context: { botUserId?: string | undefined },
): BotIdentity {
  if (!context.botUserId) return identity;
  identity.botUserId = context.botUserId;
  return { botUserId: context.botUserId };
}
