/**
 * The modal that asks an admin for the workspace's Skidio API key: one short text input, never pre-filled
 * (the stored key is never sent back to Discord). Modals must be the first response to an interaction, so
 * the form opens instead of a deferral.
 * https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal
 */
import {
  LabelBuilder,
  ModalBuilder,
  type ModalSubmitInteraction,
  TextInputBuilder,
  TextInputStyle,
} from 'discord.js';
import { KEY_FORM_DESCRIPTION, KEY_FORM_LABEL, KEY_FORM_TITLE } from './texts.js';

/** The modal's custom id: routes its submission back to `key set`. */
export const KEY_FORM_ID = 'skidio:key-set';
/** The text input's custom id. */
export const KEY_INPUT_ID = 'api_key';

/** The form. Bounds mirror `validateApiKey` (8 to 512 characters), so Discord refuses the obvious at once. */
export function keyForm(): ModalBuilder {
  const input = new TextInputBuilder()
    .setCustomId(KEY_INPUT_ID)
    .setStyle(TextInputStyle.Short)
    .setRequired(true)
    .setMinLength(8)
    .setMaxLength(512)
    .setPlaceholder('Paste the API key from your Skidio Labs account');
  return new ModalBuilder()
    .setCustomId(KEY_FORM_ID)
    .setTitle(KEY_FORM_TITLE)
    .addLabelComponents(
      new LabelBuilder()
        .setLabel(KEY_FORM_LABEL)
        .setDescription(KEY_FORM_DESCRIPTION)
        .setTextInputComponent(input),
    );
}

/** The key typed in a submitted form, or undefined when the form is not ours. */
export function submittedKey(interaction: ModalSubmitInteraction): string | undefined {
  if (interaction.customId !== KEY_FORM_ID) return undefined;
  return interaction.fields.getTextInputValue(KEY_INPUT_ID);
}
