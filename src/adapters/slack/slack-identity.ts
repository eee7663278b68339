/** Who is who on Slack, in the bot's terms: workspace ids, mentions, and the bot's own user id. */
import type { WorkspaceId } from '../../core/ports.js';

/** `slack:<team_id>`, or `slack:<enterprise_id>:<team_id>` on Enterprise Grid. */
export function slackWorkspaceId(teamId: string, enterpriseId?: string | null): WorkspaceId {
  return enterpriseId ? `slack:${enterpriseId}:${teamId}` : `slack:${teamId}`;
}

/** The team and organization of a `slack:` workspace id; undefined for any other workspace id. */
export function parseSlackWorkspaceId(
  workspace: WorkspaceId,
): { teamId: string; enterpriseId: string | undefined } | undefined {
  const parts = workspace.split(':');
  if (parts[0] !== 'slack') return undefined;
  const [, first, second] = parts;
  if (parts.length === 2 && first) return { teamId: first, enterpriseId: undefined };
  if (parts.length === 3 && first && second) return { teamId: second, enterpriseId: first };
  return undefined;
}

/** `<@U…>`: Slack renders it as the person's name and notifies them. */
export function slackMention(userId: string): string {
  return `<@${userId}>`;
}

/**
 * The bot's user id, learnt from Bolt's context on each event (Bolt reads it from `auth.test` at start-up);
 * the invite hint mentions it so people see the bot's real name.
 */
export interface BotIdentity {
  botUserId: string | undefined;
}

/** Direct-message conversation ids start with D. https://docs.slack.dev/reference/objects/conversation-object */
export function isDirectMessage(channelId: string): boolean {
  return channelId.startsWith('D');
}
