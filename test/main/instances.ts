/**
 * Several instances of the compiled bot (`node dist/src/main.js`, as `npm start` runs it) on one Redis, with
 * the fakes in the test process. Each test file takes its own Redis database (`redis://…/<db>`), emptied
 * first, so files running side by side never share a queue or a key.
 */
import { Redis } from 'ioredis';
import type { RecordedRequest } from '../../src/simulator/types.js';
import { type AppResponse, sendSlashCommand } from '../fakes/slack/index.js';
import { type BotProcess, freePort, killBotProcess, startBotProcess } from '../support/bot-process.js';
import { ensureBuilt } from '../support/built-bot.js';
import { REDIS_URL } from '../support/redis.js';
import { type ProcessWorld, SIGNING_SECRET, startProcessWorld } from './process-world.js';

/** One running instance and the port its HTTP server listens on. */
export interface Instance extends BotProcess {
  readonly port: number;
  /** `/skidio <text>` from Slack's `C_PUBLIC`, signed, to this instance. */
  slack(text: string, user?: string): Promise<AppResponse>;
}

/** The fakes, the shared Redis and the instances started so far. */
export interface InstanceWorld {
  world: ProcessWorld;
  redis: Redis;
  instances: Instance[];
  /** Starts one more instance on the shared store; resolves once it is ready. */
  start(env?: Record<string, string>): Promise<Instance>;
  close(): Promise<void>;
}

/** Starts the world on Redis database `db` (emptied first). */
export async function startInstanceWorld(
  db: number,
  options: Parameters<typeof startProcessWorld>[0] = {},
): Promise<InstanceWorld> {
  await ensureBuilt();
  const storeUrl = `${REDIS_URL.replace(/\/\d*$/, '')}/${db}`;
  const redis = new Redis(storeUrl, { maxRetriesPerRequest: 2 });
  await redis.flushdb();
  const world = await startProcessWorld({ ...options, storeUrl });
  const instances: Instance[] = [];
  return {
    world,
    redis,
    instances,
    async start(env = {}) {
      const port = await freePort();
      const bot = await startBotProcess({ ...world.env, PORT: String(port), ...env }, 30_000, {
        built: true,
      });
      const instance: Instance = Object.assign(bot, {
        port,
        slack: (text: string, user = 'U_MEMBER') =>
          sendSlashCommand(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, {
            text,
            user_id: user,
            channel_id: 'C_PUBLIC',
          }),
      });
      instances.push(instance);
      return instance;
    },
    async close() {
      for (const instance of instances) await killBotProcess(instance);
      await world.close();
      await redis.flushdb().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** Status requests the Skidio fake received for `jobId`, oldest first. */
export function statusChecksOf(requests: readonly RecordedRequest[], jobId: string): RecordedRequest[] {
  return requests.filter((request) => request.jobId === jobId && request.path.endsWith('/status'));
}

/**
 * The shortest gap between two status checks of one job: two instances checking the same job at once would
 * show up as checks a few milliseconds apart, far below the poll curve's shortest wait.
 */
export function shortestGapMs(requests: readonly RecordedRequest[], jobId: string): number {
  const times = statusChecksOf(requests, jobId).map((request) => request.at);
  let shortest = Number.POSITIVE_INFINITY;
  for (let index = 1; index < times.length; index++) {
    shortest = Math.min(shortest, (times[index] ?? 0) - (times[index - 1] ?? 0));
  }
  return shortest;
}

/** Polls `condition` every 100 ms until it holds; rejects with `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
