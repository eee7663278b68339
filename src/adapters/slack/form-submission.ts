/**
 * Runs a command from a submitted form (the key form, the imagine form) as if it had been typed: in the
 * workspace of the submission, as its user, replying in the channel the form was opened from (carried in the
 * view's `private_metadata`, and checked, since a view's metadata comes back from Slack's client).
 */
import type { webApi } from '@slack/bolt';
import type { CommandDefinition, OptionValues } from '../../core/command.js';
import { dispatch } from '../../core/dispatch.js';
import { learnBotIdentity, type SlackListenerDeps, slackRequester } from './listener-context.js';
import { createSlackReplySurface } from './reply-surface.js';
import { slackWorkspaceId } from './slack-identity.js';

const CONVERSATION_ID = /^[A-Z0-9_]{2,}$/;

/** The parts of a view submission this needs. */
export interface FormSubmission {
  body: {
    user: { id: string; name: string; team_id?: string };
    team: { id: string; enterprise_id?: string } | null;
    enterprise?: { id: string } | null;
  };
  channelId: string;
  client: webApi.WebClient;
  context: Parameters<typeof learnBotIdentity>[1];
}

/** Dispatches `command` with `options`; a submission without a usable channel is logged and dropped. */
export async function dispatchFormSubmission(
  deps: SlackListenerDeps,
  submission: FormSubmission,
  run: { command: CommandDefinition; options: OptionValues; privately: boolean },
): Promise<void> {
  const { body, channelId, client } = submission;
  if (!CONVERSATION_ID.test(channelId)) {
    deps.log.error(
      { user: body.user.id, command: run.command.path.join(' ') },
      'form submission without a usable channel',
    );
    return;
  }
  const identity = learnBotIdentity(deps.identity, submission.context);
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  const workspace = slackWorkspaceId(teamId, body.enterprise?.id ?? body.team?.enterprise_id);
  const reply = createSlackReplySurface({
    client,
    delivery: { kind: 'slack', channelId, userId: body.user.id, private: run.privately },
    identity,
    log: deps.log,
    uploadRetry: deps.uploadRetry,
  });
  const requester = await slackRequester(deps, client, body.user, run.command.adminOnly);
  deps.services.metrics.countCommand('slack', run.command.path.join(' '));
  await dispatch(
    { platform: 'slack', workspace, requester, command: run.command, options: run.options },
    reply,
    deps.services,
  );
}
