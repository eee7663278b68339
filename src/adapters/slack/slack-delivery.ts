/**
 * The Slack address of a conversation, stored with each watch (the core's `delivery`) so a restarted bot can
 * keep replying there. Plain JSON; no token, no response_url (it expires after 30 minutes anyway).
 */

/** Where a command's replies go. */
export interface SlackDelivery {
  kind: 'slack';
  /** Where the command was typed. */
  channelId: string;
  /** Who typed it. */
  userId: string;
  /** `private`: progress and images go to the requester's DM. */
  private: boolean;
  /**
   * The progress message once posted, so that whichever instance runs the watch next (after a restart or a
   * takeover) edits the same message instead of posting a new one.
   */
  progress?: { channel: string; ts: string; state: string };
}

// Slack ids are upper-case letters and digits; underscores are tolerated for readable test fixtures.
const SLACK_ID = /^[A-Z0-9_]{2,}$/;

/** Reads a stored delivery back; undefined when it is not a Slack one (or not a well-formed one). */
export function parseSlackDelivery(value: unknown): SlackDelivery | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record.kind !== 'slack') return undefined;
  const { channelId, userId } = record;
  if (typeof channelId !== 'string' || !SLACK_ID.test(channelId)) return undefined;
  if (typeof userId !== 'string' || !SLACK_ID.test(userId)) return undefined;
  const progress = progressOf(record.progress);
  return {
    kind: 'slack',
    channelId,
    userId,
    private: record.private === true,
    ...(progress ? { progress } : {}),
  };
}

function progressOf(value: unknown): SlackDelivery['progress'] {
  if (typeof value !== 'object' || value === null) return undefined;
  const { channel, ts, state } = value as Record<string, unknown>;
  if (typeof channel !== 'string' || !SLACK_ID.test(channel)) return undefined;
  if (typeof ts !== 'string' || !/^\d+\.\d+$/.test(ts) || typeof state !== 'string') return undefined;
  return { channel, ts, state };
}
