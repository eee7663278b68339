/**
 * Figure 7: 1, 2 and 3 instances of the compiled bot on one Redis with 2,000 pending watches (Slack commands
 * spread across the instances). Upstream checks per watch per minute (should not grow with instances), the
 * wait from a SIGKILL of one instance to each watch's next check (p50, max), and Redis memory per watch.
 */

import { startInstanceWorld, statusChecksOf } from '../../test/main/instances.js';
import { type FigureResult, percentile, round } from '../figure.js';

const WATCHES = 2_000;
const WINDOW_MS = 20_000;
const AFTER_KILL_MS = 25_000;
/** A Redis database of the benchmark's own (the tests use 11 to 15). */
const BENCH_DB = 10;

async function usedMemory(info: string): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

async function measure(instanceCount: number): Promise<FigureResult> {
  const current = await startInstanceWorld(BENCH_DB, {
    env: {
      RATE_LIMIT_USER_PER_MINUTE: '0',
      RATE_LIMIT_WORKSPACE_PER_MINUTE: '0',
      MAX_WATCHES_PER_WORKSPACE: String(WATCHES),
    },
  });
  try {
    const { world, redis } = current;
    const before = await usedMemory(await redis.info('memory'));
    for (let index = 0; index < instanceCount; index++) await current.start();
    const jobIds = Array.from({ length: WATCHES }, (_, index) => `never-fig7-${index}`);
    for (let start = 0; start < WATCHES; start += 50) {
      await Promise.all(
        jobIds
          .slice(start, start + 50)
          .map((jobId, offset) =>
            current.instances[(start + offset) % instanceCount]?.slack(`status ${jobId}`),
          ),
      );
    }
    // Past the fast start of the poll curve: every watch at its steady 5 s.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const perWatch = (await redis.info('memory').then(usedMemory)) - before;
    const windowStart = Date.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const checks = world.simulator.requests.filter(
      (request) =>
        request.at >= windowStart && request.at < windowStart + WINDOW_MS && request.path.endsWith('/status'),
    ).length;
    const perMinute = (checks / WATCHES) * (60_000 / WINDOW_MS);

    let takeover: number[] = [];
    if (instanceCount > 1) {
      const killedAt = Date.now();
      current.instances[0]?.child.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, AFTER_KILL_MS));
      takeover = jobIds.map((jobId) => {
        const next = statusChecksOf(world.simulator.requests, jobId).find((request) => request.at > killedAt);
        return next ? next.at - killedAt : Number.POSITIVE_INFINITY;
      });
    }
    const p50 = takeover.length > 0 ? percentile(takeover, 50) : Number.NaN;
    const max = takeover.length > 0 ? Math.max(...takeover) : Number.NaN;
    return {
      id: `7 (${instanceCount})`,
      what: `${instanceCount} instance${instanceCount > 1 ? 's' : ''} on one Redis, ${WATCHES.toLocaleString('en')} pending watches`,
      value:
        `${round(perMinute, 1)} checks/watch/min; Redis ${round(perWatch / WATCHES / 1024, 2)} KB/watch` +
        (takeover.length > 0
          ? `; after kill -9 next check p50 ${round(p50 / 1000, 1)} s, max ${round(max / 1000, 1)} s`
          : ''),
      target: 'checks/watch/min flat across 1–3 instances; takeover ≤ 30 s',
      met: takeover.length === 0 ? 'report' : max <= 30_000,
      details: {
        instances: instanceCount,
        checksPerWatchPerMinute: perMinute,
        redisBytesPerWatch: perWatch / WATCHES,
        takeoverP50Ms: p50,
        takeoverMaxMs: max,
      },
    };
  } finally {
    await current.close();
  }
}

/** Runs the three configurations one after another. */
export async function measureInstances(): Promise<FigureResult[]> {
  const results: FigureResult[] = [];
  for (const count of [1, 2, 3]) results.push(await measure(count));
  return results;
}
