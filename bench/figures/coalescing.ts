/**
 * Figure 2: 100 people ask about one pending job at once. Upstream status requests, compared with one person
 * asking about an identical job for the same time: coalescing means the ratio is 1.0.
 */
import { createImageFetcher } from '../../src/core/images.js';
import { createJobWatcher, type WatchSubscriber } from '../../src/core/job-watcher.js';
import { createSkidioClient } from '../../src/core/skidio-client.js';
import { startSkidioSimulator } from '../../src/simulator/index.js';
import { type FigureResult, round } from '../figure.js';

const KEY = 'bench-key-coalescing';
const WATCH_MS = 3_000;

export async function measureCoalescing(): Promise<FigureResult> {
  const simulator = await startSkidioSimulator({ apiKeys: [KEY] });
  const watcher = createJobWatcher({
    client: createSkidioClient({ baseUrl: simulator.url }),
    images: createImageFetcher({ maxBytes: 32 * 1024 * 1024, allowPrivateHosts: true }),
    apiKeyFor: async () => KEY,
    timeoutMs: 60_000,
    // The same jitter for both runs, so the two curves are identical and only coalescing can differ.
    random: () => 0.5,
  });
  const subscriber = (id: string): WatchSubscriber => ({
    id,
    requesterId: id,
    delivery: {},
    onEvent: async () => {},
  });
  const requestsFor = (jobId: string) =>
    simulator.requests.filter((request) => request.jobId === jobId).length;

  async function run(jobId: string, people: number): Promise<number> {
    const watches = Array.from({ length: people }, (_, index) =>
      watcher.watch('bench:ws', jobId, subscriber(`${jobId}-${index}`)),
    );
    setTimeout(() => simulator.completeNow(jobId), WATCH_MS);
    await Promise.all(watches);
    return requestsFor(jobId);
  }

  const [alone, crowd] = await Promise.all([run('never-alone', 1), run('never-crowd', 100)]);
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
