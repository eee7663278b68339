/**
 * `/skidio <text>`: parsed with the shared text grammar, acked at once (Slack drops a command not acked
 * within 3 s: https://docs.slack.dev/interactivity/implementing-slash-commands#responding_to_commands), then
 * dispatched to the command with a reply surface for the channel it was typed in. Text that parses to no
 * command gets the usage in the ack itself, which costs no API call and works where the bot is not a member.
 */
import type { App, SlashCommand } from '@slack/bolt';
import type { CommandDefinition, OptionValues } from '../../core/command.js';
import { parseCommandText } from '../../core/command-text.js';
import { dispatch } from '../../core/dispatch.js';
import { BadInputError, SkidioBotError } from '../../core/errors.js';
import { errorText, UNEXPECTED_ERROR_TEXT } from '../../core/messages.js';
import { openImagineModal } from './imagine-modal.js';
import { openKeyModal } from './key-modal.js';
import { learnBotIdentity, type SlackListenerDeps, slackRequester } from './listener-context.js';
import { SLASH_COMMAND } from './manifest.js';
import { createSlackReplySurface } from './reply-surface.js';
import { describeSlackFailure } from './slack-errors.js';
import { slackWorkspaceId } from './slack-identity.js';

/** The ids every command needs: which workspace, where, and who. */
const REQUIRED_IDS = ['team_id', 'channel_id', 'user_id'] as const;

/** The answer to a command Slack sent without one of them. */
export const INCOMPLETE_COMMAND_TEXT =
  "⚠️ I couldn't read that command: Slack sent it without its workspace, channel or user. Try again.";

/** Everything but `/skidio`: Bolt runs every listener that matches, so this one must not match it. */
const OTHER_COMMANDS = new RegExp(`^(?!${SLASH_COMMAND.replace('/', '\\/')}$)`);

/** The answer to a slash command this app receives but does not handle (an old manifest, a renamed command). */
export function notMyCommandText(command: string): string {
  const shown = /^\/[\w-]{1,32}$/.test(command) ? `\`${command}\`` : 'That command';
  return `⚠️ ${shown} is not one of mine: I answer \`${SLASH_COMMAND}\`. Try \`${SLASH_COMMAND} help\`.`;
}

/** Registers the `/skidio` listener, and an immediate answer for any other slash command. */
export function registerSlashCommand(app: App, deps: SlackListenerDeps): void {
  const { services, log } = deps;
  // Without a listener Bolt would leave it unanswered for 3 s and log it as if the bot had a bug.
  app.command(OTHER_COMMANDS, async ({ ack, command }) => {
    log.info({ command: String(command.command).slice(0, 40) }, 'slash command this bot does not handle');
    await ack({ response_type: 'ephemeral', text: notMyCommandText(String(command.command)) });
  });
  app.command(SLASH_COMMAND, async ({ ack, command, client, respond, context }) => {
    // Without them a command would run for the workspace `slack:undefined`, shared by every such payload
    // (its key included), or post nowhere: refuse it in the ack, which needs none of them.
    const missing = REQUIRED_IDS.filter(
      (field) => typeof command[field] !== 'string' || command[field] === '',
    );
    if (missing.length > 0) {
      log.warn({ missing }, 'slash command without the ids it needs; refused');
      await ack({ response_type: 'ephemeral', text: INCOMPLETE_COMMAND_TEXT });
      return;
    }
    let parsed: { command: CommandDefinition; options: OptionValues };
    try {
      // Slack sends `text` even when empty; a payload without it reads as empty (the help), not as a failure.
      parsed = parseCommandText(command.text ?? '', services.commands);
    } catch (error) {
      // The text is never logged: it may be a mistyped `key set <key>`.
      log.info({ user: command.user_id }, 'slash command not understood');
      await ack({ response_type: 'ephemeral', text: parseErrorText(error) });
      return;
    }
    if (asksForForm(parsed) && command.trigger_id) {
      // No prompt: the form asks for it (and the other settings). The trigger id lives 3 s: open it now.
      await ack();
      await openImagineModal(client, command.trigger_id, parsed.command, command.channel_id).catch(
        async (error: unknown) => {
          log.warn({ reason: describeSlackFailure(error) }, 'could not open the imagine form');
          await respond({
            response_type: 'ephemeral',
            text: '⚠️ I could not open the form in time. Type the prompt after the command: `/skidio imagine a red fox`.',
          }).catch(() => undefined);
        },
      );
      return;
    }
    await ack();
    services.metrics.countCommand('slack', parsed.command.path.join(' '));
    scrubSecretOptions(deps, parsed);
    const identity = learnBotIdentity(deps.identity, context);

    const channelId = command.channel_id;
    const isPrivate = parsed.command.isPrivate(parsed.options);
    const reply = createSlackReplySurface({
      client,
      delivery: { kind: 'slack', channelId, userId: command.user_id, private: isPrivate },
      identity,
      log,
      uploadRetry: deps.uploadRetry,
      ...(command.response_url ? { respond } : {}),
      ...(command.trigger_id
        ? { openKeyForm: () => openKeyForm(deps, () => openKeyModal(client, command.trigger_id, channelId)) }
        : {}),
    });
    // Everything after the ack waits for the acks of commands that arrived meanwhile (core/ack-first.ts).
    const running = services.ackFirst
      .afterAck(async () => {
        const requester = await slackRequester(
          deps,
          client,
          { id: command.user_id, name: command.user_name },
          parsed.command.adminOnly,
        );
        await dispatch(
          { platform: 'slack', workspace: workspaceOf(command), requester, ...parsed },
          reply,
          services,
        );
      })
      .catch((error: unknown) => log.error({ err: error }, 'a Slack command failed outside dispatch'));
    // A job watch may run for many minutes: Bolt need not hold the request (or its socket) for it.
    if (!parsed.command.longRunning) await running;
  });
}

/** `imagine` with nothing at all after it: Slack asks for the prompt in a form instead of refusing. */
function asksForForm(parsed: { command: CommandDefinition; options: OptionValues }): boolean {
  const rest = parsed.command.options.find((spec) => spec.type === 'string' && spec.rest === true);
  return rest !== undefined && Object.keys(parsed.options).length === 0;
}

/** The workspace a command came from; Enterprise Grid adds the organization. */
function workspaceOf(command: SlashCommand): string {
  return slackWorkspaceId(command.team_id, command.enterprise_id);
}

/** Registers secret option values (a key typed after `key set`) with the log scrubber before anything runs. */
function scrubSecretOptions(
  deps: SlackListenerDeps,
  parsed: { command: CommandDefinition; options: OptionValues },
): void {
  for (const spec of parsed.command.options) {
    const value = parsed.options[spec.name];
    if (spec.type === 'string' && spec.secret && typeof value === 'string')
      deps.services.secrets.add(value.trim());
  }
}

/** Opens the key modal; a refusal (the trigger id lives 3 s) becomes a reply the person can act on. */
async function openKeyForm(deps: SlackListenerDeps, open: () => Promise<void>): Promise<void> {
  try {
    await open();
  } catch (error) {
    deps.log.warn({ reason: describeSlackFailure(error) }, 'could not open the key modal');
    throw new BadInputError(
      'I could not open the key form in time. Try `/skidio key set` again, or give the key after it: `/skidio key set <key>`.',
    );
  }
}

function parseErrorText(error: unknown): string {
  return error instanceof SkidioBotError ? errorText(error) : UNEXPECTED_ERROR_TEXT;
}
