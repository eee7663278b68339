/**
 * The buttons under a result, platform-neutral: each is a command (`again`, `share`, `details`, `delete`)
 * run on a stored record. Adapters draw them (Discord buttons, Slack Block Kit, console command lines) and
 * turn a click back into an invocation of that command (`buttonCommandOf`).
 */
import type { CommandDefinition, OptionValues } from '../command.js';
import type { ResultRecord } from './result-records.js';

/** The commands a button can run. */
export type ResultActionName = 'again' | 'share' | 'details' | 'delete';

/** One button. */
export interface ResultAction {
  name: ResultActionName;
  label: string;
  style: 'primary' | 'secondary' | 'danger';
  recordId: string;
  /** Again on a private result makes a private result again. */
  private?: boolean;
}

/** Imagine results: Again, Share (when private), Details, Delete. Status results: Share (when private), Details. */
export function actionsFor(record: ResultRecord): ResultAction[] {
  const recordId = record.id;
  const actions: ResultAction[] = [];
  if (record.submission) {
    actions.push({
      name: 'again',
      label: 'Again',
      style: 'primary',
      recordId,
      ...(record.private ? { private: true } : {}),
    });
  }
  if (record.private && record.imageCount > 0) {
    actions.push({ name: 'share', label: 'Share', style: 'secondary', recordId });
  }
  actions.push({ name: 'details', label: 'Details', style: 'secondary', recordId });
  if (record.submission) actions.push({ name: 'delete', label: 'Delete', style: 'danger', recordId });
  return actions;
}

const PREFIX = 'skidio';

/** The id a platform carries for a button, e.g. `skidio:again:<record id>:private` (at most 48 characters). */
export function actionIdOf(action: ResultAction): string {
  return [PREFIX, action.name, action.recordId, ...(action.private ? ['private'] : [])].join(':');
}

/** The command words and options a button id stands for; undefined when it is not one of this bot's. */
export function parseActionId(id: string): { path: [ResultActionName]; options: OptionValues } | undefined {
  const match = /^skidio:(again|share|details|delete):([A-Za-z0-9_-]{16})(:private)?$/.exec(id);
  if (!match) return undefined;
  const name = match[1] as ResultActionName;
  return {
    path: [name],
    options: { result: match[2], ...(match[3] && name === 'again' ? { private: true } : {}) },
  };
}

/** `/skidio again <id>`: how the console (and Slack's text) spells a button. */
export function actionCommandText(action: ResultAction): string {
  return `/skidio ${action.name} ${action.recordId}${action.private ? ' private' : ''}`;
}

/** The button command a platform's button id stands for, with its options; undefined for any other id. */
export function buttonCommandOf(
  commands: readonly CommandDefinition[],
  id: string,
): { command: CommandDefinition; options: OptionValues } | undefined {
  const parsed = parseActionId(id);
  const words = parsed?.path.join(' ');
  const command = commands.find((known) => known.button !== undefined && known.path.join(' ') === words);
  return parsed && command ? { command, options: parsed.options } : undefined;
}
