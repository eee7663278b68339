/**
 * The dispatch boundary: validates options, checks permission, runs the handler, and turns any error into one
 * clear reply for the person and one log line for the operator. Nothing a handler throws escapes it.
 */
import type {
  CommandDefinition,
  CommandServices,
  Invocation,
  OptionSpec,
  OptionValues,
  ReplySurface,
} from './command.js';
import { commandName } from './command.js';
import {
  BadInputError,
  BotRestartingError,
  PermissionDeniedError,
  ResultUnavailableError,
  SkidioBotError,
  TooManyCommandsError,
} from './errors.js';
import { errorText, UNEXPECTED_ERROR_TEXT } from './messages.js';

/** Checks raw option values against a command's specs; returns validated values or throws `BadInputError`. */
export function validateOptions(command: CommandDefinition, raw: OptionValues): OptionValues {
  const values: OptionValues = {};
  for (const spec of command.options) {
    const value = raw[spec.name];
    if (spec.type === 'boolean') {
      values[spec.name] = value === true || value === 'true';
      continue;
    }
    if (spec.type === 'integer') {
      if (value === undefined || value === '') continue;
      values[spec.name] = integerWithin(spec, value);
      continue;
    }
    if (value === undefined || value === '' || typeof value !== 'string') {
      if (spec.required) throw new BadInputError(`\`/skidio ${commandName(command)}\` needs a ${spec.name}.`);
      continue;
    }
    if (spec.maxLength !== undefined && value.length > spec.maxLength) {
      throw new BadInputError(
        `The ${spec.name} is too long: ${value.length} characters, at most ${spec.maxLength}.`,
      );
    }
    if (spec.choices && !spec.acceptsOther && !spec.choices.includes(value.toLowerCase())) {
      throw new BadInputError(
        `\`${value.slice(0, 40)}\` is not a ${spec.name} I know. Choose one of: ${spec.choices.join(', ')}.`,
      );
    }
    const chosen = spec.choices && !spec.acceptsOther ? value.toLowerCase() : value;
    values[spec.name] = spec.validate ? spec.validate(chosen) : chosen;
  }
  return values;
}

/** A whole number within the spec's bounds, from a number (Discord) or text (Slack, the console). */
function integerWithin(
  spec: Extract<OptionSpec, { type: 'integer' }>,
  value: string | number | boolean,
): number {
  const range = `a whole number from ${spec.min} to ${spec.max}`;
  const number =
    typeof value === 'number' ? value : /^-?\d{1,16}$/.test(String(value)) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number)) throw new BadInputError(`The ${spec.name} must be ${range}.`);
  if (number < spec.min || number > spec.max) {
    throw new BadInputError(`The ${spec.name} must be ${range} (not ${number}).`);
  }
  return number;
}

/** Runs one invocation to its end. Never rejects. While the gate is open it counts as running. */
export async function dispatch(
  invocation: Invocation,
  reply: ReplySurface,
  services: CommandServices,
): Promise<void> {
  const running = run(invocation, reply, services);
  await (services.gate ? services.gate.track(running) : running);
}

async function run(invocation: Invocation, reply: ReplySurface, services: CommandServices): Promise<void> {
  const { command, requester, workspace } = invocation;
  const log = services.logger.child({ command: commandName(command), workspace, user: requester.id });
  const jobId = typeof invocation.options.job_id === 'string' ? invocation.options.job_id : undefined;
  try {
    // Checked first: adapters have already acknowledged, so this is the one place every platform passes.
    if (services.gate?.closed) throw new BotRestartingError('the bot is shutting down');
    await services.gate?.ready;
    if (command.adminOnly && !requester.isAdmin) {
      throw new PermissionDeniedError('admin only');
    }
    await services.limiter?.consume(workspace, requester.id);
    const options = validateOptions(command, invocation.options);
    log.info({ jobId }, 'command received');
    await command.handler({ invocation: { ...invocation, options }, reply, services });
  } catch (error) {
    await reportError(error, reply, log, jobId);
  }
}

/** Logs an error once and tells the person, without letting a failing reply escape. */
export async function reportError(
  error: unknown,
  reply: ReplySurface,
  log: CommandServices['logger'],
  jobId?: string,
): Promise<void> {
  const known = error instanceof SkidioBotError;
  if (known) {
    const level =
      error instanceof BadInputError ||
      error instanceof BotRestartingError ||
      error instanceof PermissionDeniedError ||
      error instanceof ResultUnavailableError ||
      error instanceof TooManyCommandsError
        ? 'info'
        : 'warn';
    log[level]({ code: error.code, jobId }, `command refused: ${error.message}`);
  } else {
    log.error({ err: error, jobId }, 'command failed unexpectedly');
  }
  try {
    await reply.error(known ? errorText(error, jobId) : UNEXPECTED_ERROR_TEXT, jobId);
  } catch (replyError) {
    log.error({ err: replyError }, 'could not deliver an error reply');
  }
}
