/** Reading what the fake Slack received from the bot. */
import type { RecordedCall } from '../../fakes/slack/index.js';

/** The `text` argument of a recorded call. */
export function textOf(call: RecordedCall): string {
  return typeof call.args.text === 'string' ? call.args.text : '';
}
