/**
 * Figure 3: jobs that finish 2 s, 10 s and 60 s after the command. Notification delay: from the simulator
 * marking the job complete to the image arriving at the fake Discord; and upstream status requests per job.
 */
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../../test/fakes/discord/index.js';
import { type FigureResult, percentile, round } from '../figure.js';
import { startWorld } from '../world.js';

const DURATIONS_S = [2, 10, 60];
const JOBS_PER_DURATION = 3;

export async function measureNotificationDelay(): Promise<FigureResult> {
  const world = await startWorld();
  await world.startBot();
  const runs = DURATIONS_S.flatMap((seconds) =>
    Array.from({ length: JOBS_PER_DURATION }, async (_, index) => {
      const jobId = `never-delay-${seconds}s-${index}`;
      // Stagger starts so the jobs do not all share one polling phase.
      await new Promise((resolve) => setTimeout(resolve, index * 333));
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: jobId }],
      });
      const arrived = world.discord.waitForRequest(
        (request) => request.files.length > 0 && JSON.stringify(request.json ?? '').includes(jobId),
        (seconds + 60) * 1000,
      );
      await world.discord.dispatchInteraction(payload);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      world.simulator.completeNow(jobId);
      const completedAt = performance.now();
      await arrived;
      const delay = performance.now() - completedAt;
      const requests = world.simulator.requests.filter((request) => request.jobId === jobId).length;
      return { seconds, delay, requests };
    }),
  );
  const results = await Promise.all(runs);
  await world.close();
  const delays = results.map((result) => result.delay);
  const median = percentile(delays, 50);
  const longest = results.filter((result) => result.seconds === 60).map((result) => result.requests);
  const perDuration = Object.fromEntries(
    DURATIONS_S.flatMap((seconds) => {
      const group = results.filter((result) => result.seconds === seconds);
      return [
        [
          `medianDelayMs_${seconds}s`,
          percentile(
            group.map((result) => result.delay),
            50,
          ),
        ],
        [`requests_${seconds}s`, Math.max(...group.map((result) => result.requests))],
      ];
    }),
  );
  return {
    id: 3,
    what: 'notification delay and polling cost (jobs of 2 s, 10 s, 60 s)',
    value: `median delay ${round(median / 1000, 2)} s; ${Math.max(...longest)} requests for the 60 s job`,
    // Issue 13's frontier: at most T/2 + 2 requests for a T-second job (32 for 60 s); figure 11 sweeps 2–60 s.
    target: 'median ≤ 1.0 s; ≤ 32 requests (60 s job: T/2 + 2)',
    met: median <= 1_000 && Math.max(...longest) <= 60 / 2 + 2,
    details: { medianDelayMs: median, ...perDuration },
  };
}
