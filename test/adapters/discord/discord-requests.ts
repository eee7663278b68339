/** Building the Discord suites' interactions and reading what the fake Discord received from the bot. */
import { DEFAULT_USER, type InteractionPayload, type RecordedRequest } from '../../fakes/discord/index.js';
import { DISCORD_TOKEN, isOriginalEditOf, TEST_API_KEY, type World } from '../../support/bot-world.js';

/** `{ name: 'job_id', type: 3, value }`: the option of `/skidio status`. */
export const jobIdOption = (value: string) => ({ name: 'job_id', type: 3, value });
/** `{ name: 'private', type: 5, value: true }`. */
export const privateOption = { name: 'private', type: 5, value: true } as const;

/** The default user's mention. */
export const USER_MENTION = `<@${DEFAULT_USER.id}>`;

/** The `content` of a recorded message body. */
export function contentOf(request: RecordedRequest): string {
  const content = (request.json as { content?: unknown } | undefined)?.content;
  return typeof content === 'string' ? content : '';
}

/** Is this a follow-up of that interaction? */
export const isFollowUpOf = (payload: InteractionPayload) => (request: RecordedRequest) =>
  request.method === 'POST' && request.path === `/webhooks/${payload.application_id}/${payload.token}`;

/** Is this a bot message posted in a channel? */
export const isChannelPost = (channelId: string) => (request: RecordedRequest) =>
  request.method === 'POST' && request.path === `/channels/${channelId}/messages`;

/** Waits for the edit of the original reply whose content matches. */
export function waitForOriginalEdit(
  world: World,
  payload: InteractionPayload,
  match: (content: string, request: RecordedRequest) => boolean,
): Promise<RecordedRequest> {
  return world.discord.waitForRequest(
    (request) => isOriginalEditOf(payload)(request) && match(contentOf(request), request),
  );
}

/** Every secret a log line must never hold that is in one: the API key, the bot token, the interaction tokens. */
export function loggedSecrets(world: World): string[] {
  const text = world.log.lines.join('\n');
  return [TEST_API_KEY, DISCORD_TOKEN, ...world.discordTokens].filter((secret) => text.includes(secret));
}
