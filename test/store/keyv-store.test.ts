import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/core/secret-box.js';
import { createWorkspaceKeyStore } from '../../src/core/workspace-key-store.js';
import { createKeyvStore } from '../../src/store/keyv-store.js';
import { REDIS_URL, shouldRunRedisTests } from '../support/redis.js';
import { createTestLogger } from '../support/test-logger.js';

const API_KEY = 'sk-live-plaintext-must-not-appear-7f3a';
const { logger } = createTestLogger();

describe('SQLite store (the embedded default)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skidio-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory, round-trips values, and expires them', async () => {
    const store = createKeyvStore(
      { kind: 'sqlite', path: join(dir, 'nested', 'deeper', 'bot.sqlite') },
      logger,
    );
    await store.set('a', { n: 1, list: ['x'] });
    expect(await store.get('a')).toEqual({ n: 1, list: ['x'] });
    await store.set('short', 'gone soon', 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await store.get('short')).toBeUndefined();
    expect(await store.delete('a')).toBe(true);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.ping()).toBe(true);
    await store.close();
  });

  it('writes through a write-ahead log, so a write costs no journal file and no sync of the database', async () => {
    const path = join(dir, 'journal.sqlite');
    const store = createKeyvStore({ kind: 'sqlite', path }, logger);
    await store.set('a', 1);
    await store.close();
    const { default: sqlite3 } = await import('sqlite3');
    const mode = await new Promise<unknown>((resolve, reject) => {
      const database = new sqlite3.Database(path, (openError) => {
        if (openError) return reject(openError);
        database.get('PRAGMA journal_mode', (error, row) => {
          database.close();
          if (error) reject(error);
          else resolve(row);
        });
      });
    });
    expect(mode).toEqual({ journal_mode: 'wal' });
  });

  it('lists entries by key prefix (how watches and keys are found again after a restart)', async () => {
    const store = createKeyvStore({ kind: 'sqlite', path: join(dir, 'entries.sqlite') }, logger);
    await store.set('watch:["discord:1","job-a"]', { jobId: 'job-a' });
    await store.set('watch:["slack:T1","job-b"]', { jobId: 'job-b' });
    await store.set('apikey:discord:1', { last4: 'abcd' });
    const found: string[] = [];
    for await (const [, value] of store.entries<{ jobId: string }>('watch:')) found.push(value.jobId);
    expect(found.sort()).toEqual(['job-a', 'job-b']);
    await store.close();
  });

  it('keeps API keys encrypted: the raw file holds no plain key, and a reopened store reads it back', async () => {
    const path = join(dir, 'keys.sqlite');
    const box = createSecretBox('a-long-operator-secret-for-tests');
    const first = createKeyvStore({ kind: 'sqlite', path }, logger);
    await createWorkspaceKeyStore(first, box).set('discord:123', API_KEY, '<@1>');
    await first.close();

    const raw = await readFile(path);
    expect(raw.includes(Buffer.from(API_KEY))).toBe(false);
    expect(raw.includes(Buffer.from(API_KEY.slice(0, 12)))).toBe(false);
    expect(raw.toString('latin1')).toContain('discord:123');

    const reopened = createKeyvStore({ kind: 'sqlite', path }, logger);
    const keys = createWorkspaceKeyStore(reopened, box);
    expect(await keys.get('discord:123')).toBe(API_KEY);
    expect(await keys.describe('discord:123')).toMatchObject({ last4: '7f3a', setBy: '<@1>' });
    await reopened.close();
  });
});

describe('Redis store (several instances)', async () => {
  const run = await shouldRunRedisTests();
  it.runIf(run)('round-trips values and keys through a real Redis', async () => {
    const store = createKeyvStore({ kind: 'redis', url: REDIS_URL }, logger);
    const workspace = `slack:T${randomUUID()}`;
    const keys = createWorkspaceKeyStore(store, createSecretBox('a-long-operator-secret-for-tests'));
    await keys.set(workspace, API_KEY, '<@U1>');
    expect(await keys.get(workspace)).toBe(API_KEY);
    expect(await store.ping()).toBe(true);
    const listed: string[] = [];
    for await (const [key] of store.entries(`apikey:${workspace}`)) listed.push(key);
    expect(listed).toEqual([`apikey:${workspace}`]);
    expect(await keys.clear(workspace)).toBe(true);
    expect(await keys.get(workspace)).toBeUndefined();
    await store.close();
  });
});
