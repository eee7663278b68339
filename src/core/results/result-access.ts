/**
 * What the button commands share: the `result` option (a record id), finding the record in the workspace the
 * click came from, and who may act on a private result or delete one.
 */
import type { CommandServices, Invocation, OptionSpec, Requester } from '../command.js';
import { BadInputError, NotConfiguredError, ResultUnavailableError } from '../errors.js';
import { isResultRecordId, type ResultRecord, type ResultRecords } from './result-records.js';

/** How long a click waits for a record not found at first (it may still be being written). */
const RECORD_SETTLE_MS = 500;

/** The option every button command takes: the record id its button carries. */
export const resultOption: OptionSpec = {
  name: 'result',
  type: 'string',
  required: true,
  maxLength: 16,
  description: 'The result’s id, as its buttons carry it',
  validate(value) {
    if (!isResultRecordId(value)) {
      throw new BadInputError('A result id is 16 letters, digits, `-` or `_`, as shown under a result.');
    }
    return value;
  },
};

/** The records, or a clear refusal on a bot wired without them. */
export function resultRecordsOf(services: CommandServices): ResultRecords {
  if (!services.results) throw new NotConfiguredError('this bot keeps no results for buttons');
  return services.results;
}

/**
 * The record `id`, once written: a record is written while its result is posted, so a click that outruns
 * that write finds it a moment later. Undefined when there is none.
 */
export async function settledRecord(
  services: CommandServices,
  id: string,
): Promise<ResultRecord | undefined> {
  const records = resultRecordsOf(services);
  return (
    (await records.get(id)) ?? (await services.clock.sleep(RECORD_SETTLE_MS).then(() => records.get(id)))
  );
}

/** The record the invocation's `result` names, in its own workspace only; refuses when it is gone. */
export async function findResult(services: CommandServices, invocation: Invocation): Promise<ResultRecord> {
  const record = await settledRecord(services, String(invocation.options.result));
  // Another workspace's record reads as unknown: a record id says nothing about who else uses the bot.
  if (!record || record.workspace !== invocation.workspace) {
    throw new ResultUnavailableError(
      'That result is no longer available: results and their buttons are kept for 30 days.',
    );
  }
  return record;
}

/** The person who asked, or a workspace admin. */
function isOwnerOrAdmin(record: ResultRecord, requester: Requester): boolean {
  return requester.isAdmin || requester.id === record.requesterId;
}

/** Refuses anyone else, in words that say who may. */
export function requireOwnerOrAdmin(record: ResultRecord, requester: Requester, what: string): void {
  if (!isOwnerOrAdmin(record, requester)) {
    throw new ResultUnavailableError(
      `Only the person who asked for this result, or an admin, can ${what} it.`,
    );
  }
}
