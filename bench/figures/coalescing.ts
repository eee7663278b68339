/**
 * Figure 2: 100 people ask about one pending job at once. Upstream status requests, compared with one person
 * asking about an identical job for the same time: coalescing means the ratio is 1.0.
 */
import { createImageFetcher } from '../../src/core/images.js';
import { systemClock } from '../../src/core/ports.js';
import { createSkidioClient } from '../../src/core/skidio-client.js';
import { createInProcessEngine } from '../../src/core/watcher/in-process-engine.js';
import { createJobWatcher } from '../../src/core/watcher/job-watcher.js';
import { createMemoryWatchState } from '../../src/core/watcher/memory-watch-state.js';
import { startSkidioSimulator } from '../../src/simulator/index.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { type FigureResult, round } from '../figure.js';
import { quietAsker } from '../quiet-asker.js';

const KEY = 'bench-key-coalescing';
const WATCH_MS = 3_000;

export async function measureCoalescing(): Promise<FigureResult> {
  const simulator = await startSkidioSimulator({ apiKeys: [KEY] });
  const watcher = createJobWatcher({
    client: createSkidioClient({ baseUrl: simulator.url }),
    images: createImageFetcher({ maxBytes: 32 * 1024 * 1024, allowPrivateHosts: true }),
    apiKeyFor: async () => KEY,
    state: createMemoryWatchState(createMemoryStore()),
    engine: createInProcessEngine({ clock: systemClock, maxConcurrent: 32 }),
    timeoutMs: 60_000,
    // The same jitter for both runs, so the two curves are identical and only coalescing can differ.
    random: () => 0.5,
  });
  await watcher.start();
  const requestsFor = (jobId: string) =>
    simulator.requests.filter((request) => request.jobId === jobId).length;

  async function ask(jobId: string, people: number): Promise<void> {
    await Promise.all(
      Array.from({ length: people }, (_, index) =>
        watcher.watch({ workspace: 'bench:ws', jobId }, quietAsker(`${jobId}-${index}`)),
      ),
    );
    setTimeout(() => simulator.completeNow(jobId), WATCH_MS);
  }

  await Promise.all([ask('never-alone', 1), ask('never-crowd', 100)]);
  await watcher.idle();
  await watcher.stop();
  const [alone, crowd] = [requestsFor('never-alone'), requestsFor('never-crowd')];
  await simulator.close();
  const ratio = crowd / alone;
  return {
    id: 2,
    what: 'coalescing: upstream requests, 100 people vs 1 on one pending job',
    value: `ratio ${round(ratio, 2)} (${crowd} vs ${alone} requests)`,
    target: 'ratio 1.0',
    met: ratio === 1,
    details: { ratio, requestsFor100: crowd, requestsFor1: alone },
  };
}
