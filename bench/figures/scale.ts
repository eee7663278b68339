/**
 * Figure 4: 10,000 pending watches in one process. RSS growth and event-loop delay p99 while they poll
 * (`monitorEventLoopDelay`), against the simulator on loopback with the production poll curve.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { createImageFetcher } from '../../src/core/images.js';
import { createJobWatcher, type WatchSubscriber } from '../../src/core/job-watcher.js';
import { createSkidioClient } from '../../src/core/skidio-client.js';
import { createWatchRegistry } from '../../src/core/watch-registry.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { type FigureResult, round, rssMiB } from '../figure.js';
import { startRemoteSimulator } from '../simulator-process.js';

const KEY = 'bench-key-scale';
const WATCHES = 10_000;
const OBSERVE_MS = 15_000;

export async function measureScale(): Promise<FigureResult> {
  const simulator = await startRemoteSimulator([KEY]);
  const watcher = createJobWatcher({
    client: createSkidioClient({ baseUrl: simulator.url, transport: new Agent({ connections: 64 }) }),
    images: createImageFetcher({ maxBytes: 32 * 1024 * 1024, allowPrivateHosts: true }),
    apiKeyFor: async () => KEY,
    registry: createWatchRegistry(createMemoryStore()),
    timeoutMs: 10 * 60_000,
    limits: { maxWatchesPerWorkspace: WATCHES, maxWatchesTotal: WATCHES },
  });
  const subscriber = (id: string): WatchSubscriber => ({
    id,
    requesterId: id,
    delivery: { id },
    onEvent: async () => {},
  });

  global.gc?.();
  const before = rssMiB();
  const heapBefore = process.memoryUsage().heapUsed / 1024 / 1024;
  const watches: Promise<void>[] = [];
  for (let index = 0; index < WATCHES; index++) {
    watches.push(watcher.watch(`bench:ws${index % 20}`, `never-scale-${index}`, subscriber(`s${index}`)));
  }
  await sleep(2_000);
  const histogram = monitorEventLoopDelay({ resolution: 10 });
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
  const p99 = histogram.percentile(99) / 1e6;
  const active = watcher.activeCount();
  const requests = await simulator.statusRequests('never-scale-');
  await watcher.stop();
  await Promise.all(watches);
  await simulator.close();
  return {
    id: 4,
    what: `scale: ${WATCHES.toLocaleString('en')} pending watches in one process`,
    value: `RSS +${round(growth)} MB, loop delay p99 ${round(p99)} ms`,
    target: '≤ 50 MB and ≤ 20 ms',
    met: growth <= 50 && p99 <= 20 && active === WATCHES,
    details: {
      rssGrowthMiB: growth,
      heapGrowthAfterGcMiB: heapGrowth,
      eventLoopDelayP99Ms: p99,
      activeWatches: active,
      upstreamRequests: requests,
    },
  };
}
