/**
 * What the button commands share: the `result` option (a record id), finding the record in the workspace the
 * click came from, and who may act on a private result or delete one.
 */
import type { CommandServices, Invocation, OptionSpec, Requester } from '../command.js';
import { BadInputError, NotConfiguredError, ResultUnavailableError } from '../errors.js';
import { isResultRecordId, type ResultRecord, type ResultRecords } from './result-records.js';

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

/** The record the invocation's `result` names, in its own workspace only; refuses when it is gone. */
export async function findResult(services: CommandServices, invocation: Invocation): Promise<ResultRecord> {
  const record = await resultRecordsOf(services).get(String(invocation.options.result));
  // Another workspace's record reads as unknown: a record id says nothing about who else uses the bot.
  if (!record || record.workspace !== invocation.workspace) {
    throw new ResultUnavailableError(
      'That result is no longer available: results and their buttons are kept for 30 days.',
    );
  }
  return record;
}

/** The person who asked, or a workspace admin. */
export function isOwnerOrAdmin(record: ResultRecord, requester: Requester): boolean {
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
