/** Figure 6: cold start, from spawning `node dist/src/main.js` to `/readyz` answering 200 (both adapters connected). */
import { type FigureResult, percentile, round } from '../figure.js';
import { startWorld } from '../world.js';

const RUNS = 5;

export async function measureColdStart(): Promise<FigureResult> {
  const world = await startWorld();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const bot = await world.startBot();
    times.push(bot.readyAfterMs);
    await bot.stop();
  }
  await world.close();
  const median = percentile(times, 50);
  return {
    id: 6,
    what: 'cold start: process start to ready (Discord and Slack connected)',
    value: `median ${round(median / 1000, 2)} s (max ${round(Math.max(...times) / 1000, 2)} s, ${RUNS} runs)`,
    target: 'report; under 2 s',
    met: median < 2_000,
    details: { medianMs: median, maxMs: Math.max(...times), runs: RUNS },
  };
}
