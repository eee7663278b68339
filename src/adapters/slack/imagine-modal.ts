/**
 * `/skidio imagine` with no prompt on Slack: a form with the prompt, the negative prompt, and the model and
 * size as selects (DESIGN.md). The submission goes through the command's own validation before the ack, so a
 * bad value keeps the form open with the reason under its field (`response_action: 'errors'`); then the
 * command runs as if typed, replying in the channel the form was opened from.
 * https://docs.slack.dev/surfaces/modals#handling_submissions
 */

import type { App, types, webApi } from '@slack/bolt';
import { type CommandDefinition, commandName, type OptionValues } from '../../core/command.js';
import { validateOptions } from '../../core/dispatch.js';
import { dispatchFormSubmission } from './form-submission.js';
import type { SlackListenerDeps } from './listener-context.js';

/** The form's callback id, as Bolt routes its submission. */
export const IMAGINE_MODAL_CALLBACK_ID = 'skidio_imagine';
/** Each field's block id is the option's name; its action id is this. */
export const IMAGINE_ACTION_ID = 'value';
/** The options the form asks for, in order. */
const FORM_OPTIONS = ['prompt', 'negative', 'model', 'size'] as const;

function textInput(name: string, label: string, required: boolean, maxLength: number): types.InputBlock {
  return {
    type: 'input',
    block_id: name,
    optional: !required,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'plain_text_input',
      action_id: IMAGINE_ACTION_ID,
      multiline: true,
      max_length: maxLength,
    },
  };
}

function select(name: string, label: string, choices: readonly string[]): types.InputBlock {
  return {
    type: 'input',
    block_id: name,
    optional: true,
    label: { type: 'plain_text', text: label },
    element: {
      type: 'static_select',
      action_id: IMAGINE_ACTION_ID,
      placeholder: { type: 'plain_text', text: 'Default' },
      options: choices.map((choice) => ({ text: { type: 'plain_text', text: choice }, value: choice })),
    },
  };
}

/** The form for `command` (imagine), built from its option specs; `channelId` is where the result goes. */
export function buildImagineModal(command: CommandDefinition, channelId: string): types.ModalView {
  const spec = (name: string) => command.options.find((option) => option.name === name);
  const choicesOf = (name: string) => {
    const found = spec(name);
    return found?.type === 'string' ? (found.choices ?? []) : [];
  };
  const maxLengthOf = (name: string) => {
    const found = spec(name);
    return found?.type === 'string' ? (found.maxLength ?? 1_000) : 1_000;
  };
  return {
    type: 'modal',
    callback_id: IMAGINE_MODAL_CALLBACK_ID,
    private_metadata: channelId,
    title: { type: 'plain_text', text: 'Imagine' },
    submit: { type: 'plain_text', text: 'Create' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      textInput('prompt', 'Prompt', true, maxLengthOf('prompt')),
      textInput('negative', 'Negative prompt (what to keep out)', false, maxLengthOf('negative')),
      select('model', 'Model', choicesOf('model')),
      select('size', 'Size', choicesOf('size')),
    ],
  };
}

/** Opens the form for a slash command's `trigger_id` (valid for 3 s after the command). */
export async function openImagineModal(
  client: webApi.WebClient,
  triggerId: string,
  command: CommandDefinition,
  channelId: string,
): Promise<void> {
  await client.views.open({ trigger_id: triggerId, view: buildImagineModal(command, channelId) });
}

type ViewState = Record<
  string,
  Record<string, { value?: string | null; selected_option?: { value: string } | null }>
>;

/** The form's values as raw options: a text's value, a select's chosen value. */
function formOptions(values: ViewState): OptionValues {
  const options: OptionValues = {};
  for (const name of FORM_OPTIONS) {
    const field = values[name]?.[IMAGINE_ACTION_ID];
    const value = field?.selected_option?.value ?? field?.value ?? undefined;
    if (typeof value === 'string' && value.trim() !== '') options[name] = value.trim();
  }
  return options;
}

/** Registers the submission handler. */
export function registerImagineModal(app: App, deps: SlackListenerDeps): void {
  const { services } = deps;
  const imagine = services.commands.find((command) => commandName(command) === 'imagine');
  if (!imagine) return;
  app.view(IMAGINE_MODAL_CALLBACK_ID, async ({ ack, body, view, client, context }) => {
    const options = formOptions(view.state.values as ViewState);
    try {
      validateOptions(imagine, options);
    } catch (error) {
      // Under the field it is about (the message names the option), else under the prompt.
      const message = (error as Error).message;
      const field = FORM_OPTIONS.find((name) => message.includes(name)) ?? 'prompt';
      await ack({ response_action: 'errors', errors: { [field]: message } });
      return;
    }
    await ack();
    await dispatchFormSubmission(
      deps,
      { body, channelId: view.private_metadata, client, context },
      { command: imagine, options, privately: false },
    );
  });
}
