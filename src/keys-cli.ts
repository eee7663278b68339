/**
 * `npm run keys -- <check | forget-unreadable>`: operator maintenance of the stored API keys and Slack
 * installations (both sealed with KEY_ENCRYPTION_SECRET), with the bot stopped. `check` opens every one as
 * start-up does; `forget-unreadable` is the way out when the secret they were sealed with is lost: it drops only
 * the keys and installations no configured secret opens, keeping watches and the rest.
 * Exit codes: 0 done, 1 a configuration or store problem (the message says what to fix), 2 a usage error.
 */
import { createSlackInstallationStore } from './adapters/slack/installation-store.js';
import { silentLogger } from './core/ports.js';
import { createKeyring } from './core/secret-box.js';
import { createWorkspaceKeyStore } from './core/workspace-key-store.js';
import { readEntryConfig } from './entry-config.js';
import { SecretRegistry } from './logging.js';
import { describeStartupFailure } from './startup-errors.js';
import { createKeyvStore } from './store/keyv-store.js';

const USAGE = [
  'Usage: npm run keys -- <command>',
  '  check               open every stored API key and Slack installation with KEY_ENCRYPTION_SECRET (and',
  '                      _PREVIOUS), as start-up does',
  '  forget-unreadable   drop the stored API keys and Slack installations that no configured secret opens;',
  '                      watches are kept',
].join('\n');

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if ((command !== 'check' && command !== 'forget-unreadable') || rest.length > 0) {
    process.stderr.write(
      `${command === undefined ? 'No command given.' : `Unknown arguments: ${argv.join(' ')}`}\n${USAGE}\n`,
    );
    return 2;
  }
  const config = readEntryConfig();
  const store = createKeyvStore(config.store, silentLogger);
  const box = config.keyEncryptionSecret
    ? createKeyring(config.keyEncryptionSecret, config.keyEncryptionSecretPrevious)
    : undefined;
  const keys = createWorkspaceKeyStore(store, box);
  // Without a secret the key store refuses first: installations are only ever stored with one.
  const installations = box
    ? createSlackInstallationStore({ store, box, secrets: new SecretRegistry() })
    : undefined;
  try {
    if (command === 'check') {
      const { storedKeys, rotated } = await keys.verify();
      process.stdout.write(
        `${storedKeys} stored API key${storedKeys === 1 ? '' : 's'}, all readable` +
          `${rotated > 0 ? `; ${rotated} re-encrypted under the new KEY_ENCRYPTION_SECRET` : ''}.\n`,
      );
      const slack = await installations?.verify();
      if (slack && slack.storedInstallations > 0) {
        process.stdout.write(
          `${plural(slack.storedInstallations, 'stored Slack installation')}, all readable` +
            `${slack.rotated > 0 ? `; ${slack.rotated} re-encrypted under the new KEY_ENCRYPTION_SECRET` : ''}.\n`,
        );
      }
      return 0;
    }
    const { kept, forgotten } = await keys.forgetUnreadable();
    if (forgotten.length === 0) {
      process.stdout.write(`Every stored API key is readable (${kept}); nothing was dropped.\n`);
    } else {
      process.stdout.write(
        `Dropped the API key of ${forgotten.length} workspace${forgotten.length === 1 ? '' : 's'} that no secret ` +
          `opens: ${forgotten.join(', ')}. Kept ${kept} key${kept === 1 ? '' : 's'} and every watch. ` +
          'Their admins must run `/skidio key set` again.\n',
      );
    }
    const slack = await installations?.forgetUnreadable();
    if (slack && slack.forgotten.length > 0) {
      process.stdout.write(
        `Dropped the Slack installation of ${plural(slack.forgotten.length, 'workspace')} that no secret opens: ` +
          `${slack.forgotten.join(', ')}. Kept ${plural(slack.kept, 'installation')}. Install the app in ` +
          'those workspaces again (PUBLIC_URL/slack/install).\n',
      );
    } else if (slack && slack.kept > 0) {
      process.stdout.write(
        `Every stored Slack installation is readable (${slack.kept}); nothing was dropped.\n`,
      );
    }
    return 0;
  } catch (error) {
    process.stderr.write(`${describeStartupFailure(error, config).line}\n`);
    return 1;
  } finally {
    await store.close().catch(() => undefined);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

process.exitCode = await main(process.argv.slice(2));
