/**
 * Figure 12: what one write to the embedded store costs, as the bot opens it (SQLite with a write-ahead log,
 * `src/store/keyv-store.ts`) against SQLite's default rollback journal on the same disk. Each write changes its
 * record (SQLite skips most of the work for a write that changes nothing). A status command
 * writes about six records (the watch, the person, their removal, the learned duration), so this is a cost
 * every command pays. 1,000 writes of a 300-byte record over 50 keys, one after another, wall time and the
 * process's CPU (user + system, which includes SQLite's worker threads); three runs each, alternated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { silentLogger } from '../../src/core/ports.js';
import { createKeyvStore } from '../../src/store/keyv-store.js';
import { type FigureResult, percentile, round } from '../figure.js';

const WRITES = 1_000;
const RUNS = 3;

interface WriteCost {
  wallMs: number;
  cpuMs: number;
}

type Setter = { set(key: string, value: string): Promise<unknown>; close(): Promise<unknown> };

async function timeWrites(store: Setter): Promise<WriteCost> {
  await store.set('warm-up', '1');
  const pad = 'x'.repeat(300);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < WRITES; index++)
    await store.set(`key-${index % 50}`, JSON.stringify({ index, pad }));
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  return { wallMs: wallMs / WRITES, cpuMs: (cpu.user + cpu.system) / 1000 / WRITES };
}

export async function measureStoreWrites(): Promise<FigureResult> {
  // Beside the bot's own data directory, so the disk is the one `data/` is on.
  const dir = await mkdtemp(join(process.cwd(), '.bench-store-'));
  const shipped: WriteCost[] = [];
  const journal: WriteCost[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const store = createKeyvStore(
        { kind: 'sqlite', path: join(dir, `shipped-${run}.sqlite`) },
        silentLogger,
      );
      shipped.push(await timeWrites(store));
      const plain = new KeyvSqlite({
        uri: `sqlite://${join(dir, `journal-${run}.sqlite`)}`,
        table: 'skidio',
      });
      journal.push(
        await timeWrites({ set: (key, value) => plain.set(key, value), close: () => plain.close() }),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const median = (costs: WriteCost[], field: keyof WriteCost) =>
    percentile(
      costs.map((cost) => cost[field]),
      50,
    );
  const wallRatio = median(journal, 'wallMs') / median(shipped, 'wallMs');
  const cpuRatio = median(journal, 'cpuMs') / median(shipped, 'cpuMs');
  return {
    id: 12,
    what: `store: one write to the embedded SQLite store as the bot opens it (write-ahead log), median of ${RUNS} runs of ${WRITES}`,
    value:
      `${round(median(shipped, 'wallMs'), 3)} ms wall, ${round(median(shipped, 'cpuMs'), 3)} ms CPU; ` +
      `the rollback journal costs ×${round(wallRatio, 1)} wall, ×${round(cpuRatio, 1)} CPU`,
    target: 'report',
    met: 'report',
    details: {
      shippedWallMs: median(shipped, 'wallMs'),
      shippedCpuMs: median(shipped, 'cpuMs'),
      journalWallMs: median(journal, 'wallMs'),
      journalCpuMs: median(journal, 'cpuMs'),
    },
  };
}
