/** The raw bytes of a world's SQLite store, to assert that no secret is ever written there in plain text. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every byte of the SQLite store (and its journal), as latin1 text to search. */
export async function storeBytes(storeDir: string): Promise<string> {
  const files = (await readdir(storeDir)).filter((file) => file.startsWith('bot.sqlite'));
  return Buffer.concat(await Promise.all(files.map((file) => readFile(join(storeDir, file))))).toString(
    'latin1',
  );
}
