/**
 * A job watcher as one process of the bot would run it, on a store that outlives it, with a `crash()` that
 * drops every store write from then on (what a killed process leaves behind), and a "platform" that records
 * which final replies it took. Lets a test kill a process at an exact point and start the next one.
 */
import sharp from 'sharp';
import { createImageFetcher } from '../../src/core/images.js';
import type { JobStatus } from '../../src/core/job-status.js';
import {
  createJobWatcher,
  type JobWatcher,
  type PollSchedule,
  type WatchEvent,
  type WatchSubscriber,
} from '../../src/core/job-watcher.js';
import type { KeyValueStore, Logger } from '../../src/core/ports.js';
import type { SkidioClient, StatusAnswer } from '../../src/core/skidio-client.js';
import { createWatchRegistry, type WatchRegistry } from '../../src/core/watch-registry.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createFakeClock } from '../support/fake-clock.js';

/** A 4×4 PNG as the API would return it inline. */
export async function completedStatus(): Promise<JobStatus> {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#c63' } })
    .png()
    .toBuffer();
  return { state: 'completed', images: [{ kind: 'inline', base64: png.toString('base64') }] };
}

/** A client whose job is in whatever state `current()` says; counts the checks. */
export function jobClient(current: () => JobStatus): SkidioClient & { checks: number } {
  const client = {
    checks: 0,
    async status(jobId: string) {
      client.checks++;
      return { jobId, status: current() } satisfies StatusAnswer;
    },
    submitAsync: () => Promise.reject(new Error('not used')),
    generateSync: () => Promise.reject(new Error('not used')),
  };
  return client;
}

/** One process: its watcher, its view of the shared store, and `crash()`. */
export interface WatchProcess {
  watcher: JobWatcher;
  registry: WatchRegistry;
  /** From now on this process's store writes are lost, as if it had been killed before making them. */
  crash(): void;
}

/** The store every process shares (the SQLite file, in production). */
export function sharedStore(): KeyValueStore {
  return createMemoryStore();
}

/** Starts a process on `store`. */
export function startProcess(
  store: KeyValueStore,
  client: SkidioClient,
  options: { schedule?: Partial<PollSchedule>; timeoutMs?: number; logger?: Logger } = {},
): WatchProcess {
  let dead = false;
  const view: KeyValueStore = {
    ...store,
    set: (key, value, ttlMs) => (dead ? Promise.resolve() : store.set(key, value, ttlMs)),
    delete: (key) => (dead ? Promise.resolve(false) : store.delete(key)),
  };
  const registry = createWatchRegistry(view);
  const watcher = createJobWatcher({
    client,
    images: createImageFetcher({ maxBytes: 1024 * 1024, allowPrivateHosts: false }),
    apiKeyFor: async () => 'sk-process-key-1234',
    registry,
    timeoutMs: options.timeoutMs ?? 60_000,
    clock: createFakeClock(),
    random: () => 0.5,
    ...(options.schedule ? { schedule: options.schedule } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    watcher,
    registry,
    crash() {
      dead = true;
    },
  };
}

/** Final replies the platform took, by subscriber id. */
export type Platform = string[];

/** A subscriber whose final replies land on `platform`; `onFinal` runs around each (to crash, fail...). */
export function subscriberOn(
  platform: Platform,
  id: string,
  onFinal: (post: () => void, attempt: number) => Promise<void> = async (post) => post(),
): WatchSubscriber & { events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  let attempt = 0;
  return {
    id,
    requesterId: `user-${id}`,
    delivery: { kind: 'test', id },
    events,
    async onEvent(event) {
      events.push(event);
      if (event.kind === 'progress') return;
      attempt++;
      await onFinal(() => platform.push(id), attempt);
    },
  };
}

/** Waits (a bounded number of turns of the event loop) until `condition` holds. */
export async function eventually(condition: () => boolean | Promise<boolean>, turns = 2_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (await condition()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error('the condition did not hold in time');
}
