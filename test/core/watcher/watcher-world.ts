/**
 * A small world for the job watcher's behaviour tests: a scripted Skidio API, "channels" that record what
 * people saw (a channel outlives the processes, as a Slack channel outlives the bot), and a deployment on one
 * engine whose processes share their storage, so a test can stop one process and start the next on it.
 *
 * Two engines: the in-process engine with the memory watch state on a fake clock (time steps instantly), and
 * BullMQ with the Redis watch state on the real clock (BullMQ delays are Redis time) with a short schedule.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import type { ProgressReply, ReplySurface, ResultReply } from '../../../src/core/command.js';
import { createImageFetcher } from '../../../src/core/images.js';
import type { JobStatus, JobTiming } from '../../../src/core/job-status.js';
import { type Clock, type Logger, silentLogger, systemClock } from '../../../src/core/ports.js';
import type { SkidioClient, StatusAnswer } from '../../../src/core/skidio-client.js';
import { createBullMqEngine } from '../../../src/core/watcher/bullmq-engine.js';
import type { WatchEngine } from '../../../src/core/watcher/engine.js';
import { createInProcessEngine } from '../../../src/core/watcher/in-process-engine.js';
import type { JobDurations } from '../../../src/core/watcher/job-durations.js';
import { createJobWatcher } from '../../../src/core/watcher/job-watcher.js';
import { createMemoryWatchState } from '../../../src/core/watcher/memory-watch-state.js';
import type {
  JobWatcher,
  NewAsker,
  PollSchedule,
  StoredAsker,
  SurfaceFor,
  WatchKey,
  WatchLimits,
} from '../../../src/core/watcher/types.js';
import type { WatchState } from '../../../src/core/watcher/watch-state.js';
import { createMemoryStore } from '../../../src/store/memory-store.js';
import { createRedisWatchState } from '../../../src/store/redis-watch-state.js';
import { createFakeClock, type FakeClock } from '../../support/fake-clock.js';
import { REDIS_URL, shouldRunRedisTests } from '../../support/redis.js';

/** A 4×4 PNG, base64, as the API returns images inline. */
export const pngBase64 = (
  await sharp({ create: { width: 4, height: 4, channels: 3, background: '#36c' } })
    .png()
    .toBuffer()
).toString('base64');

/** A completed job with `count` inline images. */
export function completed(count = 1): JobStatus {
  return {
    state: 'completed',
    images: Array.from({ length: count }, () => ({ kind: 'inline', base64: pngBase64 }) as const),
  };
}

export const queued: JobStatus = { state: 'queued' };
export const running: JobStatus = { state: 'running' };

/** One answer of the scripted API: a status (with the times the body reports, if any), or the error thrown. */
export type Step = JobStatus | { status: JobStatus; timing: JobTiming } | Error;

/** A status check the API was asked for. */
export interface Call {
  jobId: string;
  apiKey: string;
  /** World clock time of the call. */
  at: number;
}

/** A Skidio client answering from a script, per job: the n-th check of a job gets step n (the last repeats). */
export function scriptedClient(
  script: Step[] | ((check: number, jobId: string) => Step),
  clock: Clock,
): SkidioClient & { calls: Call[] } {
  const calls: Call[] = [];
  const checks = new Map<string, number>();
  return {
    calls,
    async status(jobId, apiKey) {
      const check = checks.get(jobId) ?? 0;
      checks.set(jobId, check + 1);
      calls.push({ jobId, apiKey, at: clock.now() });
      const step =
        typeof script === 'function' ? script(check, jobId) : script[Math.min(check, script.length - 1)];
      if (step === undefined) throw new Error('empty script');
      if (step instanceof Error) throw step;
      if ('timing' in step) return { jobId, ...step } satisfies StatusAnswer;
      return { jobId, status: step } satisfies StatusAnswer;
    },
    submitAsync: () => Promise.reject(new Error('not used')),
    generateSync: () => Promise.reject(new Error('not used')),
  };
}

/** The world's clock: time can jump forward (a bot that was down for a day). */
export interface WorldClock extends Clock {
  advance(ms: number): void;
}

/** The real clock, shifted by `advance`. */
function shiftedSystemClock(): WorldClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    advance(ms) {
      offset += ms;
    },
  };
}

/** One process's parts on the deployment's shared storage. */
export interface ProcessParts {
  state: WatchState;
  engine: WatchEngine;
}

/** Storage shared by every process of a deployment (a SQLite file; one Redis). */
export interface Deployment extends ProcessParts {
  /** Parts for the next process on the same storage (a restart, or another instance). */
  next(): ProcessParts;
  cleanup(): Promise<void>;
}

/** An engine with its watch state, as the suites are parameterized. */
export interface EngineKit {
  name: string;
  /** A fake clock (in-process) or the real one (BullMQ: its delays are Redis time). */
  clock(): WorldClock & Partial<Pick<FakeClock, 'sleeps'>>;
  /** Schedule overrides that keep the suite fast on this engine. */
  schedule: Partial<PollSchedule>;
  make(clock: Clock): Deployment;
}

export const inProcessKit: EngineKit = {
  name: 'in-process + memory state',
  clock: () => createFakeClock(),
  // The default curve and retry pauses: the fake clock makes them instant.
  schedule: {},
  make(clock) {
    const store = createMemoryStore();
    const parts = (): ProcessParts => ({
      state: createMemoryWatchState(store),
      engine: createInProcessEngine({ clock, maxConcurrent: 8 }),
    });
    return { ...parts(), next: parts, cleanup: async () => {} };
  },
};

const redisKit: EngineKit = {
  name: 'bullmq + redis',
  clock: shiftedSystemClock,
  schedule: { firstCheckMs: 30, cadenceMs: 20, finalRetryDelayMs: 40 },
  make() {
    const prefix = `skidio-test-${randomUUID()}:`;
    const url = new URL(REDIS_URL);
    const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
    const clients: Redis[] = [];
    const engines: WatchEngine[] = [];
    const parts = (): ProcessParts => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      const engine = createBullMqEngine({
        connection,
        prefix: `${prefix}bull`,
        concurrency: 8,
        logger: silentLogger,
      });
      engines.push(engine);
      return { state: createRedisWatchState(redis, { prefix }), engine };
    };
    return {
      ...parts(),
      next: parts,
      async cleanup() {
        await Promise.all(engines.map((engine) => engine.stop(1_000)));
        const [first] = clients;
        if (first) {
          const left = await first.keys(`${prefix}*`);
          if (left.length > 0) await first.del(...left);
        }
        await Promise.all(clients.map((client) => client.quit()));
      },
    };
  },
};

/** The engines every parameterized suite runs on. */
export const engines: EngineKit[] = (await shouldRunRedisTests()) ? [inProcessKit, redisKit] : [inProcessKit];

/** What a channel does with a final reply: `post` records it as delivered; throwing rejects the reply. */
export type OnFinal = (attempt: number, post: () => void) => Promise<void>;

/** How a channel behaves; by default it takes everything. */
export interface ChannelBehaviour {
  onResult?: OnFinal;
  onError?: OnFinal;
  /** Progress updates throw (a platform that is down). */
  progressFails?: boolean;
  /** Real milliseconds a progress update takes to post (a slow platform). */
  progressTakesMs?: number;
  /** Progress updates are taken, then held until this resolves (a platform throttling the bot). */
  progressHeld?: Promise<void>;
}

/** Where one person's replies land, across every surface (live or rebuilt) that addresses it. */
export interface Channel {
  id: string;
  /** What the person saw, in order: `progress:<state>`, `result`, `error`. */
  seen: string[];
  progress: ProgressReply[];
  results: ResultReply[];
  errors: string[];
  /** World clock times at which a result or error was attempted, delivered or not. */
  finalTries: number[];
  /** A surface on this channel, as an adapter builds it for a command or rebuilds it from an address. */
  surface(): ReplySurface;
}

/** A process of the bot: its watcher on the deployment's storage. */
export interface BotProcess {
  watcher: JobWatcher;
  state: WatchState;
  /** The process's engine, to schedule a turn the way a racing start-up would. */
  engine: WatchEngine;
  resumed: number;
}

export interface WorldOptions {
  script: Step[] | ((check: number, jobId: string) => Step);
  /** The workspace's key; `undefined` means none is set. Defaults to one key for every workspace. */
  apiKeyFor?: (workspace: string) => string | undefined;
  timeoutMs?: number;
  limits?: Partial<WatchLimits>;
  schedule?: Partial<PollSchedule>;
  /** Where the watcher learns job durations; without it, the default plan only. */
  durations?: JobDurations;
  logger?: Logger;
  /** Wraps each process's watch state (to act at an exact point between two of the watcher's steps). */
  wrapState?: (state: WatchState) => WatchState;
}

export interface World {
  clock: WorldClock & Partial<Pick<FakeClock, 'sleeps'>>;
  client: SkidioClient & { calls: Call[] };
  /** Every stored asker the router was asked to rebuild a surface for. */
  routed: StoredAsker[];
  channel(id: string, behaviour?: ChannelBehaviour): Channel;
  /** A person asking in `channel`, as a command hands them to the watcher. */
  asker(channel: Channel): NewAsker;
  /** Starts a process on the deployment (the first one, or the next after a stop); `timeoutMs` for it alone. */
  start(overrides?: { timeoutMs?: number }): Promise<BotProcess>;
  /** Waits, in real time, until `condition` holds. */
  until(condition: () => boolean | Promise<boolean>, what: string, ms?: number): Promise<void>;
  /** Waits until the watch of `key` is no longer stored: everyone had their final reply. */
  ended(key: WatchKey): Promise<void>;
}

const worlds: (() => Promise<void>)[] = [];

/** Stops every process and removes every world's storage; call from `afterEach`. */
export async function cleanupWorlds(): Promise<void> {
  for (const cleanup of worlds.splice(0)) await cleanup();
}

/** Builds a world on `kit`. */
export function createWorld(kit: EngineKit, options: WorldOptions): World {
  const clock = kit.clock();
  const deployment = kit.make(clock);
  const client = scriptedClient(options.script, clock);
  const images = createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false });
  const channels = new Map<string, Channel>();
  const processes: BotProcess[] = [];
  const routed: StoredAsker[] = [];
  const apiKeyFor = options.apiKeyFor ?? (() => 'sk-watch-key-1234');

  const surfaceFor: SurfaceFor = (asker) => {
    routed.push(asker);
    if (asker.platform !== 'test') return undefined;
    const id = (asker.address as { channel?: unknown } | undefined)?.channel;
    return typeof id === 'string' ? channels.get(id)?.surface() : undefined;
  };

  function channel(id: string, behaviour: ChannelBehaviour = {}): Channel {
    let results = 0;
    let errors = 0;
    const made: Channel = {
      id,
      seen: [],
      progress: [],
      results: [],
      errors: [],
      finalTries: [],
      surface: () => ({
        delivery: { channel: id },
        async progress(reply) {
          if (behaviour.progressFails) throw new Error('the platform is down');
          made.progress.push(reply);
          made.seen.push(`progress:${reply.status.state}`);
          if (behaviour.progressTakesMs)
            await new Promise((resolve) => setTimeout(resolve, behaviour.progressTakesMs));
          await behaviour.progressHeld;
        },
        async result(reply) {
          made.finalTries.push(clock.now());
          await (behaviour.onResult ?? ((_, post) => Promise.resolve(post())))(++results, () => {
            made.results.push(reply);
            made.seen.push('result');
          });
        },
        async error(text) {
          made.finalTries.push(clock.now());
          await (behaviour.onError ?? ((_, post) => Promise.resolve(post())))(++errors, () => {
            made.errors.push(text);
            made.seen.push('error');
          });
        },
        async privateText() {},
      }),
    };
    channels.set(id, made);
    return made;
  }

  async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  const world: World = {
    clock,
    client,
    routed,
    channel,
    asker: (on) => ({
      platform: 'test',
      requesterId: `U-${on.id}`,
      mention: `<@U-${on.id}>`,
      surface: on.surface(),
    }),
    async start(overrides = {}) {
      const parts = processes.length === 0 ? deployment : deployment.next();
      const state = options.wrapState?.(parts.state) ?? parts.state;
      const { engine } = parts;
      const watcher = createJobWatcher({
        client,
        images,
        apiKeyFor: async (workspace) => apiKeyFor(workspace),
        state,
        engine,
        timeoutMs: overrides.timeoutMs ?? options.timeoutMs ?? 60_000,
        schedule: { ...kit.schedule, ...options.schedule },
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.durations ? { durations: options.durations } : {}),
        clock,
        random: () => 0.5,
        ...(options.logger ? { logger: options.logger } : {}),
      });
      watcher.route(surfaceFor);
      const { resumed } = await watcher.start();
      const process: BotProcess = { watcher, state, engine, resumed };
      processes.push(process);
      return process;
    },
    until,
    ended(key) {
      return until(async () => {
        const current = processes.at(-1);
        return current !== undefined && (await current.state.get(key)) === undefined;
      }, `the watch of ${key.jobId} ended`);
    },
  };
  worlds.push(async () => {
    await Promise.all(processes.map((process) => process.watcher.stop({ graceMs: 200 })));
    await deployment.cleanup();
    await images.close();
  });
  return world;
}
