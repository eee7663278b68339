/**
 * Clicks on a result's buttons (result-blocks.ts draws them): a `block_actions` payload runs the button's
 * command like a typed one. Share of a private result posts in the channel it was asked in (the result
 * itself is in a DM); Delete removes the shared files and the message with the buttons.
 */
import type { App, webApi } from '@slack/bolt';
import type { ReplySurface } from '../../core/command.js';
import { dispatch } from '../../core/dispatch.js';
import { UNKNOWN_BUTTON_TEXT } from '../../core/messages.js';
import type { Logger } from '../../core/ports.js';
import { buttonCommandOf } from '../../core/results/result-actions.js';
import { learnBotIdentity, type SlackListenerDeps, slackRequester } from './listener-context.js';
import type { RespondFn } from './private-notice.js';
import { createSlackReplySurface } from './reply-surface.js';
import type { PostedSlackResult } from './result-blocks.js';
import { parseSlackDelivery } from './slack-delivery.js';
import { slackErrorCode } from './slack-errors.js';
import { slackWorkspaceId } from './slack-identity.js';

function readPosted(value: unknown): PostedSlackResult | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { channel, ts, files } = value as Record<string, unknown>;
  if (typeof channel !== 'string' || !Array.isArray(files)) return undefined;
  return {
    channel,
    ...(typeof ts === 'string' ? { ts } : {}),
    files: files.filter((file): file is string => typeof file === 'string'),
  };
}

/** Deletes what a result posted; `clicked` is the message the button was on, when the record lacks it. */
async function removePosted(
  client: webApi.WebClient,
  posted: unknown,
  clicked: { channel: string; ts: string } | undefined,
  log: Logger,
): Promise<void> {
  const known = readPosted(posted);
  const gone = (error: unknown) => {
    // Already deleted is what Delete wanted; anything else is the person's to hear about.
    if (ALREADY_GONE.has(slackErrorCode(error) ?? '')) return;
    throw error;
  };
  for (const file of known?.files ?? []) await client.files.delete({ file }).catch(gone);
  const message = known?.ts ? { channel: known.channel, ts: known.ts } : clicked;
  if (message) await client.chat.delete(message).catch(gone);
  log.info({ files: known?.files.length ?? 0, channel: message?.channel }, 'a result was removed from Slack');
}

/** The parts of a `block_actions` payload a click needs. */
interface ButtonClick {
  user: { id: string; name?: string; username?: string; team_id?: string };
  team: { id: string; enterprise_id?: string } | null;
  enterprise?: { id: string } | null;
  channel?: { id: string };
  container?: { channel_id?: string; message_ts?: string };
  response_url?: string;
}

const ACTION_ID = /^skidio:/;
const ALREADY_GONE = new Set(['message_not_found', 'file_not_found', 'file_deleted']);

/** Runs a result's buttons: `app.action` for every `skidio:` action id. */
export function registerResultButtons(app: App, deps: SlackListenerDeps): void {
  const { services, log } = deps;
  app.action(
    { type: 'block_actions', action_id: ACTION_ID },
    async ({ ack, action, body, client, respond, context }) => {
      await ack();
      const click = body as unknown as ButtonClick;
      const actionId = 'action_id' in action ? String(action.action_id) : '';
      const parsed = buttonCommandOf(services.commands, actionId);
      const channelId = click.channel?.id ?? click.container?.channel_id;
      if (!parsed || !channelId) {
        log.warn({ actionId: actionId.slice(0, 80) }, 'a Slack button this bot cannot run');
        await respond({
          response_type: 'ephemeral',
          text: UNKNOWN_BUTTON_TEXT,
        }).catch(() => undefined);
        return;
      }
      const { command } = parsed;
      services.metrics.countCommand('slack', command.path.join(' '));
      const reply = createSlackReplySurface({
        client,
        delivery: {
          kind: 'slack',
          channelId,
          userId: click.user.id,
          private: command.isPrivate(parsed.options),
        },
        identity: learnBotIdentity(deps.identity, context),
        log,
        uploadRetry: deps.uploadRetry,
        ...(click.response_url ? { respond: respond as RespondFn } : {}),
      });
      withClickPowers(reply, deps, client, click, log);
      const teamId = click.team?.id ?? click.user.team_id ?? '';
      const workspace = slackWorkspaceId(teamId, click.enterprise?.id ?? click.team?.enterprise_id);
      const running = services.ackFirst
        .afterAck(async () => {
          // Who is an admin matters to every button but Again: Share, Details and Delete allow admins too.
          const requester = await slackRequester(
            deps,
            client,
            { id: click.user.id, name: click.user.name ?? click.user.username ?? click.user.id },
            true,
          );
          await dispatch(
            { platform: 'slack', workspace, requester, command, options: parsed.options },
            reply,
            services,
          );
        })
        .catch((error: unknown) => log.error({ err: error }, 'a Slack button failed outside dispatch'));
      if (!command.longRunning) await running;
    },
  );
}

/** What a click's surface can do besides replying: post in the result's own channel (Share), remove it. */
function withClickPowers(
  reply: ReplySurface,
  deps: SlackListenerDeps,
  client: webApi.WebClient,
  click: ButtonClick,
  log: Logger,
): void {
  reply.inChannelOf = (address) => {
    const origin = parseSlackDelivery(address);
    // A private result is in the person's DM: its Share belongs in the channel they asked in.
    if (!origin) return undefined;
    return createSlackReplySurface({
      client,
      delivery: { kind: 'slack', channelId: origin.channelId, userId: click.user.id, private: false },
      identity: deps.identity,
      log,
      uploadRetry: deps.uploadRetry,
    });
  };
  const clicked =
    click.container?.channel_id && click.container.message_ts
      ? { channel: click.container.channel_id, ts: click.container.message_ts }
      : undefined;
  reply.removeResult = (posted) => removePosted(client, posted, clicked, log);
}
