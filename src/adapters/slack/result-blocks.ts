/**
 * A result's buttons on Slack. `files.completeUploadExternal` cannot carry blocks, so the buttons go on the
 * message that says the images are posted (the progress message, edited, or a new one).
 * https://docs.slack.dev/reference/block-kit/block-elements/button-element
 */
import type { types } from '@slack/bolt';
import { actionIdOf, type ResultAction } from '../../core/results/result-actions.js';

/** What a Slack result posted, as stored for Delete: the shared files and the message with the buttons. */
export interface PostedSlackResult {
  channel: string;
  ts?: string;
  files: string[];
}

/** The message's blocks: its text, then one button per action. */
export function resultButtonBlocks(text: string, actions: readonly ResultAction[]): types.KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'skidio_result',
      elements: actions.map((action) => ({
        type: 'button',
        text: { type: 'plain_text', text: action.label },
        action_id: actionIdOf(action),
        value: action.recordId,
        // Slack has no "secondary" style: a button without one is the plain kind.
        ...(action.style === 'secondary' ? {} : { style: action.style }),
      })),
    },
  ];
}
