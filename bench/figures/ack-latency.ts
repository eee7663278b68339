/**
 * Figure 1: ack latency under a burst of 1,000 `status` commands per platform. The figure is the bot's own
 * measure, read from its `/metrics` (a summary from the event reaching the adapter to the ack sent). The
 * round trip seen from this process, which plays the platform, is reported beside it: it adds the fake's
 * own queueing and loopback transit, so it is an upper bound. The Discord-HTTP row runs a second bot with
 * `DISCORD_PUBLIC_KEY` (interactions as signed POSTs, the deferral as the HTTP answer): there the bot's measure
 * runs from the request's arrival to its answer, the same span as Slack's.
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
  const metrics = await (await fetch(`http://127.0.0.1:${bot.port}/metrics`)).text();
  // One bot at a time on the store; the HTTP one takes no gateway session.
  await bot.stop();

  const httpBot = await world.startBot({ DISCORD_PUBLIC_KEY: world.discord.publicKey });
  const interactionsUrl = `http://127.0.0.1:${httpBot.port}/discord/interactions`;
  const discordHttpLatencies = await Promise.all(
    Array.from({ length: BURST }, async (_, index) => {
      const payload = slashCommand({
        guildId: DEFAULT_GUILD_ID,
        channelId: DEFAULT_CHANNEL_ID,
        user: { id: String(800_000 + index), username: `bench${index}` },
        subcommand: 'status',
        options: [{ name: 'job_id', type: 3, value: `done-ack-h${index}` }],
      });
      const sent = performance.now();
      const answer = await world.discord.sendInteractionOverHttp(interactionsUrl, payload);
      if (answer.status !== 200) throw new Error(`Discord interaction answered HTTP ${answer.status}`);
      return performance.now() - sent;
    }),
  );
  const httpMetrics = await (await fetch(`http://127.0.0.1:${httpBot.port}/metrics`)).text();
  await world.close();

  return [
    row('discord', metrics, discordLatencies),
    row('slack', metrics, slackLatencies),
    row('discord', httpMetrics, discordHttpLatencies, 'Discord-HTTP'),
  ];
}

function quantile(metrics: string, platform: string, q: string): number {
  // prom-client writes the labels in its own order; match the line by both, in any order.
  const line = metrics
    .split('\n')
    .find(
      (text) =>
        text.startsWith('skidio_ack_latency_seconds{') &&
        text.includes(`platform="${platform}"`) &&
        text.includes(`quantile="${q}"`),
    );
  return Number(line?.split(' ').at(-1) ?? Number.NaN) * 1000;
}

function row(
  platform: 'discord' | 'slack',
  metrics: string,
  roundTrips: number[],
  label = platform === 'discord' ? 'Discord' : 'Slack',
): FigureResult {
  const p50 = quantile(metrics, platform, '0.5');
  const p99 = quantile(metrics, platform, '0.99');
  const outsideP99 = percentile(roundTrips, 99);
  return {
    id: `1 ${label}`,
    what: `ack latency in the bot, burst of ${BURST.toLocaleString('en')} commands`,
    value: `p50 ${round(p50)} ms, p99 ${round(p99)} ms (round trip seen by the fake: p99 ${round(outsideP99)} ms)`,
    target: 'p99 ≤ 50 ms',
    met: p99 <= 50,
    details: {
      p50Ms: p50,
      p99Ms: p99,
      roundTripP50Ms: percentile(roundTrips, 50),
      roundTripP99Ms: outsideP99,
      commands: roundTrips.length,
    },
  };
}
