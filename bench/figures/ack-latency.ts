/**
 * Figure 1: ack latency under a burst of 1,000 `status` commands per platform. Measured from this process,
 * which plays the platform: from the gateway dispatch (Discord) or the signed HTTP request (Slack) leaving the
 * fake to the ack arriving back (the deferral callback; Bolt's HTTP answer). It includes loopback transit both
 * ways, so it is an upper bound on the time inside the bot.
 */
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../../test/fakes/discord/index.js';
import { sendSlashCommand } from '../../test/fakes/slack/index.js';
import { type FigureResult, percentile, round } from '../figure.js';
import { SIGNING_SECRET, startWorld } from '../world.js';

const BURST = 1_000;

export async function measureAckLatency(): Promise<FigureResult[]> {
  const world = await startWorld({ queueMs: 0, runMs: 0 });
  const bot = await world.startBot();

  const discordLatencies = await Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        user: { id: String(900_000 + index), username: `bench${index}` },
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: `done-ack-d${index}` }],
      });
      const acked = world.discord.waitForRequest(
        (request) => request.path === `/interactions/${payload.id}/${payload.token}/callback`,
        60_000,
      );
      const sent = performance.now();
      await world.discord.dispatchInteraction(payload);
      await acked;
      return performance.now() - sent;
    }),
  );

  const slackLatencies = await Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const sent = performance.now();
      const answer = await sendSlashCommand(world.slackUrl(bot), SIGNING_SECRET, {
        text: `status done-ack-s${index}`,
        user_id: 'U_MEMBER',
        channel_id: 'C_PUBLIC',
      });
      if (answer.status !== 200) throw new Error(`Slack command answered HTTP ${answer.status}`);
      return performance.now() - sent;
    }),
  );
  await world.close();

  return [row('1 Discord', discordLatencies), row('1 Slack', slackLatencies)];
}

function row(id: string, latencies: number[]): FigureResult {
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    id,
    what: `ack latency, burst of ${BURST.toLocaleString('en')} commands`,
    value: `p50 ${round(p50)} ms, p99 ${round(p99)} ms`,
    target: 'p99 ≤ 50 ms',
    met: p99 <= 50,
    details: { p50Ms: p50, p99Ms: p99, maxMs: Math.max(...latencies), commands: latencies.length },
  };
}
