/**
 * `npm run keys -- <check | forget-unreadable>`: operator maintenance of the stored API keys, with the bot
 * stopped. `check` opens every key as start-up does; `forget-unreadable` is the way out when the secret the
 * keys were sealed with is lost: it drops only the keys no configured secret opens, keeping watches and the rest.
 * Exit codes: 0 done, 1 a configuration or store problem (the message says what to fix), 2 a usage error.
 */
import { silentLogger } from './core/ports.js';
import { createKeyring } from './core/secret-box.js';
import { createWorkspaceKeyStore } from './core/workspace-key-store.js';
import { readEntryConfig } from './entry-config.js';
import { describeStartupFailure } from './startup-errors.js';
import { createKeyvStore } from './store/keyv-store.js';

const USAGE = [
  'Usage: npm run keys -- <command>',
  '  check               open every stored API key with KEY_ENCRYPTION_SECRET (and _PREVIOUS), as start-up does',
  '  forget-unreadable   drop the stored API keys that no configured secret opens; watches are kept',
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
  try {
    if (command === 'check') {
      const { storedKeys, rotated } = await keys.verify();
      process.stdout.write(
        `${storedKeys} stored API key${storedKeys === 1 ? '' : 's'}, all readable` +
          `${rotated > 0 ? `; ${rotated} re-encrypted under the new KEY_ENCRYPTION_SECRET` : ''}.\n`,
      );
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
    return 0;
  } catch (error) {
    process.stderr.write(`${describeStartupFailure(error, config).line}\n`);
    return 1;
  } finally {
    await store.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
