/**
 * Figure 5: an 8 MiB PNG from the simulator to a Discord and a Slack upload. End-to-end relay time (command
 * to upload received), throughput, and the bot process's peak RSS growth while it relays, sampled every 10 ms.
 */
import { DEFAULT_CHANNEL_ID, DEFAULT_GUILD_ID, slashCommand } from '../../test/fakes/discord/index.js';
import { sendSlashCommand } from '../../test/fakes/slack/index.js';
import { type FigureResult, round } from '../figure.js';
import { type BotProcess, SIGNING_SECRET, startWorld } from '../world.js';

const IMAGE_MIB = 8;

export async function measureImageRelay(): Promise<FigureResult[]> {
  const world = await startWorld({ queueMs: 0, runMs: 0 });
  const bot = await world.startBot();
  // Warm up both paths once with a small image so first-use costs (sharp, TLS-free sockets) are not counted.
  await relay(bot, 'discord', 'done-warm-d', async () => {
    await world.discord.dispatchInteraction(discordStatus('done-warm-d'));
    await world.discord.waitForRequest((request) => request.files.length > 0, 30_000);
  });
  const discord = await relay(bot, 'discord', `big${IMAGE_MIB}-relay-d`, async () => {
    const arrived = world.discord.waitForRequest(
      (request) => request.files.some((file) => file.bytes.length > 1024 * 1024),
      60_000,
    );
    await world.discord.dispatchInteraction(discordStatus(`big${IMAGE_MIB}-relay-d`));
    await arrived;
  });
  const slack = await relay(bot, 'slack', `big${IMAGE_MIB}-relay-s`, async () => {
    const answer = await sendSlashCommand(world.slackUrl(bot), SIGNING_SECRET, {
      text: `status big${IMAGE_MIB}-relay-s`,
      user_id: 'U_MEMBER',
      channel_id: 'C_PUBLIC',
    });
    if (answer.status !== 200) throw new Error(`Slack answered HTTP ${answer.status}`);
    await world.slack.waitForCall('files.completeUploadExternal', undefined, 60_000);
  });
  await world.close();
  return [discord, slack];
}

function discordStatus(jobId: string) {
  return slashCommand({
    guildId: DEFAULT_GUILD_ID,
    channelId: DEFAULT_CHANNEL_ID,
    subcommand: 'status',
    options: [{ name: 'job_id', type: 3, value: jobId }],
  });
}

async function relay(
  bot: BotProcess,
  platform: string,
  jobId: string,
  run: () => Promise<void>,
): Promise<FigureResult> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const baseline = await bot.rssMiB();
  let peak = baseline;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await bot.rssMiB());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const growth = peak - baseline;
  return {
    id: `5 ${platform === 'discord' ? 'Discord' : 'Slack'}`,
    what: `image relay: ${IMAGE_MIB} MiB PNG, simulator → ${platform} upload (${jobId})`,
    value: `${round(IMAGE_MIB / seconds)} MiB/s (${round(seconds, 2)} s), peak RSS +${round(growth)} MiB`,
    target: `peak growth ≤ ${3 * IMAGE_MIB} MiB (3× the image)`,
    met: growth <= 3 * IMAGE_MIB,
    details: {
      seconds,
      throughputMiBps: IMAGE_MIB / seconds,
      peakRssGrowthMiB: growth,
      baselineRssMiB: baseline,
    },
  };
}
