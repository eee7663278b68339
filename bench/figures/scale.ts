/**
 * Figure 4: 10,000 pending watches in one process. RSS growth and event-loop delay p99 while they poll
 * (`monitorEventLoopDelay`), against the simulator on loopback with the production poll curve.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { createImageFetcher } from '../../src/core/images.js';
import { systemClock } from '../../src/core/ports.js';
import { createSkidioClient } from '../../src/core/skidio-client.js';
import { createInProcessEngine } from '../../src/core/watcher/in-process-engine.js';
import { createJobWatcher } from '../../src/core/watcher/job-watcher.js';
import { createMemoryWatchState } from '../../src/core/watcher/memory-watch-state.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { type FigureResult, round, rssMiB } from '../figure.js';
import { quietAsker } from '../quiet-asker.js';
import { startRemoteSimulator } from '../simulator-process.js';

const KEY = 'bench-key-scale';
const WATCHES = 10_000;
const OBSERVE_MS = 15_000;
/** The event-loop monitor's sampling interval, subtracted from its readings. */
const LOOP_SAMPLE_MS = 10;

export async function measureScale(): Promise<FigureResult> {
  const simulator = await startRemoteSimulator([KEY]);
  const watcher = createJobWatcher({
    client: createSkidioClient({ baseUrl: simulator.url, transport: new Agent({ connections: 64 }) }),
    images: createImageFetcher({ maxBytes: 32 * 1024 * 1024, allowPrivateHosts: true }),
    apiKeyFor: async () => KEY,
    state: createMemoryWatchState(createMemoryStore()),
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
  const active = watcher.activeCount();
  const requests = await simulator.statusRequests('never-scale-');
  await watcher.stop();
  await simulator.close();
  return {
    id: 4,
    what: `scale: ${WATCHES.toLocaleString('en')} pending watches in one process`,
    value: `RSS +${round(growth)} MB (live heap after GC +${round(heapGrowth)} MB, ${round((heapGrowth * 1024 * 1024) / WATCHES / 1024, 2)} KB per watch), event-loop lateness p99 ${round(p99)} ms`,
    target: '≤ 50 MB and ≤ 20 ms',
    met: growth <= 50 && p99 <= 20 && active === WATCHES,
    details: {
      rssGrowthMiB: growth,
      heapGrowthAfterGcMiB: heapGrowth,
      eventLoopLatenessP99Ms: p99,
      activeWatches: active,
      upstreamRequests: requests,
    },
  };
}
