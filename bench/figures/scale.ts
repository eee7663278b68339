/**
 * Figure 4: 10,000 pending watches in one process. RSS growth and event-loop delay p99 while they poll
 * (`monitorEventLoopDelay`), against the simulator on loopback with the production poll plan. The watches are
 * stored as the embedded default stores them (SQLite in a scratch directory), so the live heap is what the
 * process holds per watch, not an in-memory store's copies of the records. The watcher is the built `dist/`
 * that `npm start` runs: the benchmark itself runs under tsx, which keeps function names by defining a `name`
 * property on every function it creates, and that adds about 250 bytes to each closure a watch holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import type * as Images from '../../src/core/images.js';
import type * as Ports from '../../src/core/ports.js';
import type * as SkidioClient from '../../src/core/skidio-client.js';
import type * as InProcessEngine from '../../src/core/watcher/in-process-engine.js';
import type * as JobWatcher from '../../src/core/watcher/job-watcher.js';
import type * as MemoryWatchState from '../../src/core/watcher/memory-watch-state.js';
import type * as KeyvStore from '../../src/store/keyv-store.js';
import { type FigureResult, round, rssMiB } from '../figure.js';
import { quietAsker } from '../quiet-asker.js';
import { startRemoteSimulator } from '../simulator-process.js';

const KEY = 'bench-key-scale';
const WATCHES = 10_000;
const OBSERVE_MS = 15_000;
/** The event-loop monitor's sampling interval, subtracted from its readings. */
const LOOP_SAMPLE_MS = 10;

/** A module of the built bot (bench/run.ts builds `dist/` before measuring). */
async function built<Module>(path: string): Promise<Module> {
  return (await import(new URL(`../../dist/src/${path}`, import.meta.url).href)) as Module;
}

export async function measureScale(): Promise<FigureResult> {
  const { createImageFetcher } = await built<typeof Images>('core/images.js');
  const { silentLogger, systemClock } = await built<typeof Ports>('core/ports.js');
  const { createSkidioClient } = await built<typeof SkidioClient>('core/skidio-client.js');
  const { createInProcessEngine } = await built<typeof InProcessEngine>('core/watcher/in-process-engine.js');
  const { createJobWatcher } = await built<typeof JobWatcher>('core/watcher/job-watcher.js');
  const { createMemoryWatchState } = await built<typeof MemoryWatchState>(
    'core/watcher/memory-watch-state.js',
  );
  const { createKeyvStore } = await built<typeof KeyvStore>('store/keyv-store.js');
  const simulator = await startRemoteSimulator([KEY]);
  const storeDir = await mkdtemp(join(tmpdir(), 'skidio-bench-scale-'));
  const store = createKeyvStore({ kind: 'sqlite', path: join(storeDir, 'bot.sqlite') }, silentLogger);
  const watcher = createJobWatcher({
    client: createSkidioClient({ baseUrl: simulator.url, transport: new Agent({ connections: 64 }) }),
    images: createImageFetcher({ maxBytes: 32 * 1024 * 1024, allowPrivateHosts: true }),
    apiKeyFor: async () => KEY,
    state: createMemoryWatchState(store),
    engine: createInProcessEngine({ clock: systemClock, maxConcurrent: 32 }),
    timeoutMs: 10 * 60_000,
    limits: { maxWatchesPerWorkspace: WATCHES, maxWatchesTotal: WATCHES },
  });
  await watcher.start();

  global.gc?.();
  const before = rssMiB();
  const heapBefore = process.memoryUsage().heapUsed / 1024 / 1024;
  for (let index = 0; index < WATCHES; index++) {
    await watcher.watch(
      { workspace: `bench:ws${index % 20}`, jobId: `never-scale-${index}` },
      quietAsker(`s${index}`),
    );
  }
  await sleep(2_000);
  const histogram = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  histogram.enable();
  let peak = rssMiB();
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMiB());
  }, 250);
  await sleep(OBSERVE_MS);
  histogram.disable();
  clearInterval(sampler);
  const growth = peak - before;
  global.gc?.();
  const heapGrowth = process.memoryUsage().heapUsed / 1024 / 1024 - heapBefore;
  // Each sample is the time between two of the monitor's timer ticks: the resolution itself plus the lateness.
  // An idle loop reads about 10.1 ms at a 10 ms resolution, so the lateness is what exceeds the resolution.
  const p99 = Math.max(0, histogram.percentile(99) / 1e6 - LOOP_SAMPLE_MS);
  const heapPerWatchKB = (heapGrowth * 1024) / WATCHES;
  const active = watcher.activeCount();
  const requests = await simulator.statusRequests('never-scale-');
  await watcher.stop();
  await store.close();
  await rm(storeDir, { recursive: true, force: true });
  await simulator.close();
  return {
    id: 4,
    what: `scale: ${WATCHES.toLocaleString('en')} pending watches in one process`,
    value: `RSS +${round(growth)} MB (live heap after GC +${round(heapGrowth)} MB, ${round(heapPerWatchKB, 2)} KB per watch), event-loop lateness p99 ${round(p99)} ms`,
    target: 'RSS ≤ 50 MB, live heap ≤ 1.5 KB per watch, lateness ≤ 20 ms',
    met: growth <= 50 && heapPerWatchKB <= 1.5 && p99 <= 20 && active === WATCHES,
    details: {
      rssGrowthMiB: growth,
      heapGrowthAfterGcMiB: heapGrowth,
      eventLoopLatenessP99Ms: p99,
      activeWatches: active,
      upstreamRequests: requests,
    },
  };
}
