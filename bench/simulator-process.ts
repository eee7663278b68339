/** Starts bench/simulator-child.ts and talks to it. */
import { fork } from 'node:child_process';

/** A simulator in another process. */
export interface RemoteSimulator {
  url: string;
  statusRequests(jobPrefix: string): Promise<number>;
  completeNow(jobId: string): Promise<void>;
  /** For each job, when (epoch ms) the simulator first answered a status check about it at or after `since`. */
  firstChecks(jobIds: string[], since: number): Promise<Array<number | null>>;
  close(): Promise<void>;
}

/** Forks the simulator with `keys` accepted (and queue/run times) and resolves once it listens. */
export function startRemoteSimulator(
  keys: string[],
  options: { queueMs?: number; runMs?: number } = {},
): Promise<RemoteSimulator> {
  const child = fork(new URL('./simulator-child.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_KEYS: keys.join(','), BENCH_SIMULATOR_OPTIONS: JSON.stringify(options) },
  });
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  const ask = (message: Record<string, unknown>) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, ...message });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message: { ready?: string; id?: number; result?: unknown }) => {
      if (message.ready) {
        resolve({
          url: message.ready,
          statusRequests: async (jobPrefix) => Number(await ask({ op: 'count', jobPrefix })),
          completeNow: async (jobId) => {
            await ask({ op: 'complete', jobId });
          },
          firstChecks: async (jobIds, since) =>
            (await ask({ op: 'firstChecks', jobIds, since })) as Array<number | null>,
          close: async () => {
            await ask({ op: 'close' });
          },
        });
        return;
      }
      if (message.id !== undefined) {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      }
    });
  });
}
