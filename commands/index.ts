/** Every command, in the order help lists them. Adapters generate their registrations from this list. */
import type { CommandDefinition } from '../src/core/command.js';
import { againCommand } from './again.js';
import { deleteCommand } from './delete.js';
import { detailsCommand } from './details.js';
import { helpCommand } from './help.js';
import { imagineCommand } from './imagine.js';
import { keyClearCommand } from './key-clear.js';
import { keySetCommand } from './key-set.js';
import { keyShowCommand } from './key-show.js';
import { shareCommand } from './share.js';
import { statusCommand } from './status.js';

export const commands: readonly CommandDefinition[] = [
  statusCommand,
  imagineCommand,
  keySetCommand,
  keyShowCommand,
  keyClearCommand,
  helpCommand,
  againCommand,
  shareCommand,
  detailsCommand,
  deleteCommand,
];

export { validateJobId } from '../src/core/job-id.js';
export { validateApiKey } from './key-set.js';
