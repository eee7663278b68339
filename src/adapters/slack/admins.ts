/**
 * Who may manage the workspace's API key on Slack: workspace admins and owners as `users.info` reports them,
 * and anyone listed in `SLACK_ADMIN_USER_IDS`. https://docs.slack.dev/reference/methods/users.info
 */
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import { describeSlackFailure } from './slack-errors.js';

/** Answers whether a user is an admin; never rejects (a failed lookup counts as "not an admin"). */
export type AdminCheck = (client: webApi.WebClient, userId: string) => Promise<boolean>;

/** Builds the check. Listed ids are admins without any API call. */
export function createAdminCheck(adminUserIds: readonly string[], log: Logger): AdminCheck {
  const listed = new Set(adminUserIds);
  return async (client, userId) => {
    if (listed.has(userId)) return true;
    try {
      const { user } = await client.users.info({ user: userId });
      return user?.is_admin === true || user?.is_owner === true;
    } catch (error) {
      log.warn(
        { user: userId, reason: describeSlackFailure(error) },
        'could not look up whether a user is an admin',
      );
      return false;
    }
  };
}
