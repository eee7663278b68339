/**
 * Turns Discord interactions into invocations of the platform-neutral commands. Discord wants an answer
 * within 3 s (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction),
 * so every path acknowledges before any I/O: `deferReply` (ephemeral for private commands), the key form for
 * an admin's `key set`, or an immediate private reply (DMs, unknown subcommands). Then `dispatch` runs the
 * command against a reply surface that edits the deferred reply.
 */
import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  type ModalSubmitInteraction,
  PermissionFlagsBits,
} from 'discord.js';
import type { AckFirst } from '../../core/ack-first.js';
import type { CommandDefinition, CommandServices, OptionValues, Requester } from '../../core/command.js';
import { dispatch } from '../../core/dispatch.js';
import { UNEXPECTED_ERROR_TEXT, UNKNOWN_BUTTON_TEXT } from '../../core/messages.js';
import type { Clock, Logger } from '../../core/ports.js';
import { settledRecord } from '../../core/results/result-access.js';
import { buttonCommandOf } from '../../core/results/result-actions.js';
import type { SecretBox } from '../../core/secret-box.js';
import type { BotMetrics } from '../../metrics.js';
import { findCommand, optionValuesOf, SKIDIO_COMMAND_NAME } from './command-definitions.js';
import { DEFAULT_ATTACHMENT_SIZE_LIMIT, type DiscordDelivery, mentionOf } from './delivery.js';
import { describeDiscordError, isAlreadyAcknowledged } from './discord-errors.js';
import { keyForm, submittedKey } from './key-form.js';
import type { DiscordMessenger } from './messenger.js';
import { createRemovalSurface } from './removal-surface.js';
import { createDiscordReplySurface } from './reply-surface.js';
import { SERVERS_ONLY_TEXT, UNKNOWN_COMMAND_TEXT } from './texts.js';

/** How long an interaction id is remembered: Discord keeps an interaction answerable for 15 minutes. */
const INTERACTION_MEMORY_MS = 15 * 60_000;

/** What the handler needs. */
export interface InteractionHandlerDeps {
  services: CommandServices;
  /** Where ack latency and command counts go; absent in tests that do not look. */
  metrics?: BotMetrics;
  messenger: DiscordMessenger;
  clock: Clock;
  logger: Logger;
  /** How long the bot uses an interaction token before switching to its own messages. */
  tokenLifetimeMs: number;
  /** Aborted when the adapter stops. */
  shutdown: AbortSignal;
  /** Seals interaction tokens in stored addresses. */
  sealer: SecretBox | undefined;
  /** Marks each interaction as waiting for its ack, and runs what follows the ack after the others' acks. */
  ackFirst?: AckFirst;
  /** True when the transport times the ack itself (over HTTP, the answer to Discord's request). */
  ackTimedByTransport?: boolean;
}

/** Where a command came from, when, and what to call once it is acknowledged. */
interface Arrival {
  /** The server whose workspace runs the command (a click in a DM: the server of the result's record). */
  guildId: string;
  channelId: string;
  receivedAt: number;
  acked(): void;
}

/** Interactions the bot answers: commands, the key form, a result's buttons. */
type AnswerableInteraction = ChatInputCommandInteraction | ModalSubmitInteraction | ButtonInteraction;

/** The workspace of a server: `discord:<guild id>`. */
export function workspaceOf(guildId: string): string {
  return `discord:${guildId}`;
}

/** Who runs the command. Admin means Manage Server, read from the interaction (no I/O). */
function requesterOf(interaction: AnswerableInteraction): Requester {
  const { user } = interaction;
  return {
    id: user.id,
    displayName: user.globalName ?? user.username,
    mention: mentionOf(user.id),
    // A payload without the member's permissions reads as "not an admin", not as a failure.
    isAdmin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false,
  };
}

const asksForSecret = (command: CommandDefinition) =>
  command.options.some((spec) => spec.type === 'string' && spec.secret === true);

/** Builds the listener for `Events.InteractionCreate`. The promise it returns never rejects. */
export function createInteractionHandler(
  deps: InteractionHandlerDeps,
): (interaction: Interaction) => Promise<void> {
  const { services, clock } = deps;
  const log = deps.logger;

  async function replyPrivately(interaction: AnswerableInteraction, text: string) {
    await interaction
      .reply({ content: text, flags: MessageFlags.Ephemeral })
      .catch((error: unknown) => log.warn(describeDiscordError(error), 'could not answer an interaction'));
  }

  /**
   * Defers the reply. 'late' when Discord no longer knows the interaction (3 s passed). Discord saying it was
   * acknowledged already, for an interaction this process sees for the first time (replays are dropped before
   * this), means the REST client timed out on a deferral Discord did take and sent it again: it is deferred.
   */
  async function acknowledge(
    interaction: AnswerableInteraction,
    privately: boolean,
  ): Promise<'deferred' | 'late'> {
    try {
      await interaction.deferReply(privately ? { flags: MessageFlags.Ephemeral } : {});
      return 'deferred';
    } catch (error) {
      if (isAlreadyAcknowledged(error)) {
        log.info(describeDiscordError(error), 'the deferral was retried after Discord had taken it');
        return 'deferred';
      }
      log.warn(describeDiscordError(error), 'could not acknowledge an interaction in time');
      return 'late';
    }
  }

  async function run(
    interaction: AnswerableInteraction,
    command: CommandDefinition,
    options: OptionValues,
    where: Arrival,
    privately: boolean,
  ): Promise<void> {
    const acknowledgement = await acknowledge(interaction, privately);
    where.acked();
    const acknowledged = acknowledgement === 'deferred';
    if (acknowledged && !deps.ackTimedByTransport) {
      deps.metrics?.observeAck('discord', clock.now() - where.receivedAt);
    }
    deps.metrics?.countCommand('discord', command.path.join(' '));
    // Without an acknowledgement only a public job watch can still be answered: in the bot's own messages.
    if (!acknowledged && (privately || !command.longRunning)) return;
    const delivery: DiscordDelivery = {
      platform: 'discord',
      applicationId: interaction.applicationId,
      guildId: where.guildId,
      channelId: where.channelId,
      requesterId: interaction.user.id,
      interactionToken: interaction.token,
      tokenExpiresAt: acknowledged ? where.receivedAt + deps.tokenLifetimeMs : 0,
      ephemeral: privately,
      attachmentSizeLimit: interaction.attachmentSizeLimit || DEFAULT_ATTACHMENT_SIZE_LIMIT,
    };
    const reply = createDiscordReplySurface(
      delivery,
      { messenger: deps.messenger, clock, logger: log, shutdown: deps.shutdown, sealer: deps.sealer },
      { watchesJob: false },
    );
    const requester = requesterOf(interaction);
    const invocation = {
      platform: 'discord',
      workspace: workspaceOf(where.guildId),
      requester,
      command,
      options,
    } as const;
    const work = () => dispatch(invocation, reply, services);
    await (deps.ackFirst ? deps.ackFirst.afterAck(work) : work());
  }

  async function onCommand(interaction: ChatInputCommandInteraction, acked: () => void): Promise<void> {
    const receivedAt = clock.now();
    const command = findCommand(services.commands, interaction);
    if (!command) return replyPrivately(interaction, UNKNOWN_COMMAND_TEXT);
    const { channelId } = interaction;
    if (!interaction.inGuild() || !channelId) return replyPrivately(interaction, SERVERS_ONLY_TEXT);
    // An admin's `key set` opens the form as its first response; anyone else is refused by dispatch.
    if (asksForSecret(command) && requesterOf(interaction).isAdmin) {
      await interaction.showModal(keyForm());
      log.info({ workspace: workspaceOf(interaction.guildId), user: interaction.user.id }, 'key form opened');
      return;
    }
    const options = optionValuesOf(command, interaction);
    await run(
      interaction,
      command,
      options,
      { guildId: interaction.guildId, channelId, receivedAt, acked },
      command.isPrivate(options),
    );
  }

  async function onForm(interaction: ModalSubmitInteraction, acked: () => void): Promise<void> {
    const receivedAt = clock.now();
    const key = submittedKey(interaction);
    const command = services.commands.find(asksForSecret);
    if (key === undefined || !command) return;
    const { channelId } = interaction;
    if (!interaction.inGuild() || !channelId) return replyPrivately(interaction, SERVERS_ONLY_TEXT);
    const secret = command.options.find((spec) => spec.type === 'string' && spec.secret);
    await run(
      interaction,
      command,
      { [secret?.name ?? 'key']: key },
      { guildId: interaction.guildId, channelId, receivedAt, acked },
      true,
    );
  }

  /**
   * A click on a result's button: the command it stands for, on the record its id carries. Delete acts on the
   * message clicked: acknowledged as an update of it (no new message), answered in private follow-ups.
   */
  async function onButton(interaction: ButtonInteraction, acked: () => void): Promise<void> {
    const receivedAt = clock.now();
    const action = buttonCommandOf(services.commands, interaction.customId);
    if (!action) {
      log.warn({ customId: interaction.customId.slice(0, 100) }, 'a button this bot does not know');
      return replyPrivately(interaction, UNKNOWN_BUTTON_TEXT);
    }
    const { command } = action;
    const { channelId } = interaction;
    // A private result handed over to a DM has its buttons there: the record says which server it is from.
    const guildId = interaction.inGuild() ? interaction.guildId : await serverOfResult(action.options.result);
    if (!guildId || !channelId) return replyPrivately(interaction, SERVERS_ONLY_TEXT);
    if (command.button !== 'removes') {
      const where = { guildId, channelId, receivedAt, acked };
      return run(interaction, command, action.options, where, command.isPrivate(action.options));
    }
    try {
      await interaction.deferUpdate();
    } catch (error) {
      if (!isAlreadyAcknowledged(error)) {
        log.warn(describeDiscordError(error), 'could not acknowledge a button in time');
        return;
      }
    }
    acked();
    deps.metrics?.countCommand('discord', command.path.join(' '));
    const reply = createRemovalSurface({
      messenger: deps.messenger,
      applicationId: interaction.applicationId,
      token: interaction.token,
      log,
    });
    const invocation = {
      platform: 'discord',
      workspace: workspaceOf(guildId),
      requester: requesterOf(interaction),
      command,
      options: action.options,
    } as const;
    const work = () => dispatch(invocation, reply, services);
    await (deps.ackFirst ? deps.ackFirst.afterAck(work) : work());
  }

  /**
   * The server of a Discord result's record, for a click in a DM (read before the ack, as a DM has no
   * server to read it from); undefined when there is no such record.
   */
  async function serverOfResult(recordId: unknown): Promise<string | undefined> {
    if (!services.results) return undefined;
    const record = await settledRecord(services, String(recordId)).catch(() => undefined);
    if (record?.platform !== 'discord') return undefined;
    return /^discord:(\d+)$/.exec(record.workspace)?.[1];
  }

  /** After an unexpected failure the person still hears something, unless they already have. */
  async function answerAfterFailure(interaction: Interaction): Promise<void> {
    if (
      !(interaction.isChatInputCommand() || interaction.isModalSubmit() || interaction.isButton()) ||
      interaction.replied
    )
      return;
    try {
      if (interaction.deferred) await interaction.editReply({ content: UNEXPECTED_ERROR_TEXT });
      else await interaction.reply({ content: UNEXPECTED_ERROR_TEXT, flags: MessageFlags.Ephemeral });
    } catch (error) {
      log.warn(describeDiscordError(error), 'could not answer an interaction after a failure');
    }
  }

  /** Interactions seen lately, by id: a gateway replay delivers one again, and it must be answered once. */
  const seen = new Map<string, number>();
  function firstDelivery(id: string): boolean {
    const now = clock.now();
    if (seen.size > 1_000) {
      for (const [known, at] of seen) if (now - at > INTERACTION_MEMORY_MS) seen.delete(known);
    }
    if (seen.has(id)) return false;
    seen.set(id, now);
    return true;
  }

  return async (interaction) => {
    if (!firstDelivery(interaction.id)) {
      log.info({ interaction: interaction.id }, 'an interaction delivered again; answered once already');
      return;
    }
    // Every other path answers at once and is done; `finally` covers them and failures.
    const acked = deps.ackFirst?.awaitingAck() ?? (() => {});
    try {
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === SKIDIO_COMMAND_NAME) await onCommand(interaction, acked);
        // A command this bot no longer registers (a stale registration): say so rather than let it time out.
        else await replyPrivately(interaction, UNKNOWN_COMMAND_TEXT);
      } else if (interaction.isModalSubmit()) {
        await onForm(interaction, acked);
      } else if (interaction.isButton()) {
        await onButton(interaction, acked);
      }
    } catch (error) {
      log.error(describeDiscordError(error), 'an interaction could not be handled');
      await answerAfterFailure(interaction);
    } finally {
      acked();
    }
  };
}
