/**
 * The simulator in a child process, driven over IPC, so that a figure measures the bot's memory and event
 * loop rather than the simulator's. Messages: `{ id, op: 'count', jobPrefix }` → number of status requests
 * for jobs starting with the prefix; `{ id, op: 'complete', jobId }`; `{ id, op: 'firstChecks', jobIds, since }`
 * → for each job, when (epoch ms) the first status request about it arrived at or after `since`, or null.
 */
import { startSkidioSimulator } from '../src/simulator/index.js';

const simulator = await startSkidioSimulator({
  ...(JSON.parse(process.env.BENCH_SIMULATOR_OPTIONS ?? '{}') as { queueMs?: number; runMs?: number }),
  apiKeys: (process.env.BENCH_KEYS ?? 'bench-key').split(','),
});

type Message =
  | { id: number; op: 'count'; jobPrefix: string }
  | { id: number; op: 'complete'; jobId: string }
  | { id: number; op: 'firstChecks'; jobIds: string[]; since: number }
  | { id: number; op: 'close' };

process.on('message', (message: Message) => {
  if (message.op === 'count') {
    const count = simulator.requests.filter((request) =>
      String(request.jobId ?? '').startsWith(message.jobPrefix),
    ).length;
    process.send?.({ id: message.id, result: count });
  } else if (message.op === 'firstChecks') {
    const first = new Map<string, number>();
    for (const request of simulator.requests) {
      if (request.at < message.since || !request.path.endsWith('/status') || request.jobId === undefined)
        continue;
      if (!first.has(request.jobId)) first.set(request.jobId, request.at);
    }
    process.send?.({ id: message.id, result: message.jobIds.map((jobId) => first.get(jobId) ?? null) });
  } else if (message.op === 'complete') {
    simulator.completeNow(message.jobId);
    process.send?.({ id: message.id, result: true });
  } else {
    void simulator.close().then(() => {
      process.send?.({ id: message.id, result: true });
      process.exit(0);
    });
  }
});
process.send?.({ ready: simulator.url });
