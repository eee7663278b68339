/**
 * `/skidio key set` without a key: a modal with one text input, never pre-filled, so the key is typed where
 * the channel cannot see it. Its `private_metadata` carries only the channel id (for the confirmation). The
 * submission is checked before the ack (`response_action: 'errors'` keeps the modal open with the reason),
 * the admin check runs again, and the core's `key set` stores the key.
 * https://docs.slack.dev/surfaces/modals#handling_submissions
 */

import type { App, types, webApi } from '@slack/bolt';
import { commandName } from '../../core/command.js';
import { validateOptions } from '../../core/dispatch.js';
import { BadInputError } from '../../core/errors.js';
import { dispatchFormSubmission } from './form-submission.js';
import type { SlackListenerDeps } from './listener-context.js';

/** The modal's callback id, as Bolt routes its submission. */
export const KEY_MODAL_CALLBACK_ID = 'skidio_key_set';
/** The input's block id (where `response_action: 'errors'` puts a message) and action id. */
export const KEY_BLOCK_ID = 'api_key';
export const KEY_ACTION_ID = 'value';

/** The modal. The input has no `initial_value`: a stored key is never shown again. */
export function buildKeyModal(channelId: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: KEY_MODAL_CALLBACK_ID,
    private_metadata: channelId,
    title: { type: 'plain_text', text: 'Skidio API key' },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: KEY_BLOCK_ID,
        label: { type: 'plain_text', text: "This workspace's Skidio API key" },
        hint: {
          type: 'plain_text',
          text: 'Stored encrypted. Only its last 4 characters are ever shown again.',
        },
        element: { type: 'plain_text_input', action_id: KEY_ACTION_ID, min_length: 8, max_length: 512 },
      },
    ],
  };
}

/** Opens the modal for a slash command's `trigger_id` (valid for 3 s after the command). */
export async function openKeyModal(
  client: webApi.WebClient,
  triggerId: string,
  channelId: string,
): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: buildKeyModal(channelId) });
}

/** Registers the submission handler. */
export function registerKeyModal(app: App, deps: SlackListenerDeps): void {
  const { services, log } = deps;
  const keySet = services.commands.find((command) => commandName(command) === 'key set');
  app.view(KEY_MODAL_CALLBACK_ID, async ({ ack, body, view, client, context }) => {
    const raw = view.state.values[KEY_BLOCK_ID]?.[KEY_ACTION_ID]?.value ?? '';
    // Whatever was typed was meant to be secret: scrub it from any log line from now on.
    services.secrets.add(raw.trim());
    let key: string;
    try {
      // The command's own validation, so the form refuses exactly what `/skidio key set <key>` refuses.
      const value = keySet && validateOptions(keySet, { key: raw }).key;
      if (typeof value !== 'string') throw new BadInputError('Type the Skidio API key.');
      key = value;
    } catch (error) {
      await ack({ response_action: 'errors', errors: { [KEY_BLOCK_ID]: (error as Error).message } });
      return;
    }
    await ack();
    if (!keySet) {
      log.error({ user: body.user.id }, 'key modal submission without a key set command');
      return;
    }
    await dispatchFormSubmission(
      deps,
      { body, channelId: view.private_metadata, client, context },
      { command: keySet, options: { key }, privately: true },
    );
  });
}
