/**
 * The reply surface of a click on Delete. The click is acknowledged as an update of the message it was on
 * (no new message), so `@original` is that message: `removeResult` deletes it, whoever posted it and whether
 * or not it was ephemeral; everything said goes in private follow-ups. Nothing here is stored.
 */
import type { ReplySurface } from '../../core/command.js';
import type { Logger } from '../../core/ports.js';
import { describeDiscordError, isInteractionGone } from './discord-errors.js';
import type { DiscordMessenger } from './messenger.js';
import { inDiscordWords } from './texts.js';

/** Builds the surface for one click. */
export function createRemovalSurface(args: {
  messenger: DiscordMessenger;
  applicationId: string;
  token: string;
  log: Logger;
}): ReplySurface {
  const { messenger, applicationId, token, log } = args;
  const tellPrivately = async (text: string) => {
    await messenger
      .followUp(applicationId, token, { content: inDiscordWords(text), ephemeral: true })
      .catch((error: unknown) =>
        log.warn(describeDiscordError(error), 'could not answer a button privately'),
      );
  };
  return {
    delivery: { platform: 'discord', click: true },
    progress: async () => undefined,
    async result(reply) {
      await tellPrivately(reply.text);
    },
    error: tellPrivately,
    privateText: tellPrivately,
    async removeResult() {
      try {
        await messenger.deleteOriginal(applicationId, token);
      } catch (error) {
        // Gone already (deleted by someone else, or an ephemeral message dismissed): what Delete wanted.
        if (!isInteractionGone(error)) throw error;
        log.info(describeDiscordError(error), 'the result message was already gone');
      }
    },
  };
}
