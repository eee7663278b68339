/**
 * Figure 14: `/skidio imagine` with webhooks. The bot's `PUBLIC_URL` is its own HTTP server, so each job it
 * submits carries a webhook URL on it; the simulator POSTs there when the job completes, and the bot then runs
 * one status check at once and posts the image from it. 100 `imagine` commands on Slack, evenly over 5 s, each
 * a job of 3 s (1 s queued, 2 s running). Measured: from the moment the job completed by the simulator's
 * clock (its creation plus its queue and run times: the simulator has no completion event of its own, its
 * webhook timer fires then) to the fake Slack receiving the `files.completeUploadExternal` that shares its
 * image; and the status requests the simulator received for each job. Without the webhook the watch would check
 * again only after its fallback interval (10 s), so a delivery the webhook did not cause would stand out.
 */

import { sendSlashCommand } from '../../test/fakes/slack/index.js';
import { type FigureResult, percentile, round } from '../figure.js';
import { SIGNING_SECRET, startWorld } from '../world.js';

const COMMANDS = 100;
const SPREAD_MS = 5_000;
const QUEUE_MS = 1_000;
const RUN_MS = 2_000;
const DELIVERY_TIMEOUT_MS = 60_000;
/** After the last image, how long checks are still counted (a check after the delivery would be a waste). */
const SETTLE_MS = 1_000;

interface JobResult {
  jobId: string;
  /** Completion (by the simulator's clock) → the image shared on Slack, ms. */
  delayMs: number;
  /** Completion → the bot's answer to the webhook (the simulator draws the image for its body first), ms. */
  webhookMs: number;
  /** Completion → the first status check at or after it (the one the webhook triggered), ms. */
  checkMs: number;
  statusRequests: number;
}

const promptOf = (index: number) => `a lighthouse at dusk, figure 14 picture ${index}`;

export async function measureWebhookDelivery(): Promise<FigureResult[]> {
  // When the bot answered each job's webhook (the simulator logs it once the answer is in).
  const webhookAnsweredAt = new Map<string, number>();
  const logger = {
    info(fields: object, message?: string) {
      const { jobId } = fields as { jobId?: string };
      if (message === 'simulator: webhook sent' && jobId !== undefined)
        webhookAnsweredAt.set(jobId, Date.now());
    },
    warn(fields: object, message?: string) {
      process.stderr.write(`${message ?? 'simulator'}: ${JSON.stringify(fields)}\n`);
    },
  };
  const world = await startWorld({ queueMs: QUEUE_MS, runMs: RUN_MS, logger });
  try {
    const bot = await world.startBot((port) => ({ PUBLIC_URL: `http://127.0.0.1:${port}` }));
    const slackUrl = world.slackUrl(bot);
    const arrivals = Array.from({ length: COMMANDS }, async (_, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * SPREAD_MS) / COMMANDS));
      const prompt = promptOf(index);
      // The share's comment is the result line and the caption, which quotes the prompt.
      const shared = world.slack
        .waitForCall(
          'files.completeUploadExternal',
          (call) => call.ok && String(call.args.initial_comment ?? '').includes(`“${prompt}”`),
          DELIVERY_TIMEOUT_MS,
        )
        .then(() => Date.now());
      const answer = await sendSlashCommand(slackUrl, SIGNING_SECRET, {
        text: `imagine ${prompt}`,
        user_id: 'U_MEMBER',
        channel_id: 'C_PUBLIC',
      });
      if (answer.status !== 200) throw new Error(`Slack command answered HTTP ${answer.status}`);
      return { prompt, sharedAt: await shared };
    });
    const shared = await Promise.all(arrivals);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const jobs = [...world.simulator.jobs.values()];
    const results: JobResult[] = shared.map(({ prompt, sharedAt }) => {
      const job = jobs.find((candidate) => candidate.prompt === prompt);
      if (!job) throw new Error(`the simulator has no job for “${prompt}”`);
      if (!job.webhook || !job.webhookSent)
        throw new Error(`job ${job.id} was not given a webhook, or not sent`);
      const completedAt = job.createdAt + QUEUE_MS + RUN_MS;
      const checks = world.simulator.requests.filter(
        (request) => request.path.endsWith('/txt2img/status') && request.jobId === job.id,
      );
      const firstAfter = checks.find((request) => request.at >= completedAt);
      return {
        jobId: job.id,
        delayMs: sharedAt - completedAt,
        webhookMs: (webhookAnsweredAt.get(job.id) ?? Number.NaN) - completedAt,
        checkMs: (firstAfter?.at ?? Number.NaN) - completedAt,
        statusRequests: checks.length,
      };
    });

    const delays = results.map((result) => result.delayMs);
    const webhookDelays = results.map((result) => result.webhookMs);
    const checkDelays = results.map((result) => result.checkMs);
    const requests = results.map((result) => result.statusRequests);
    const median = percentile(delays, 50);
    const p99 = percentile(delays, 99);
    const meanRequests = requests.reduce((sum, count) => sum + count, 0) / requests.length;
    const maxRequests = Math.max(...requests);
    const setting = `${COMMANDS} imagine commands on Slack over ${SPREAD_MS / 1000} s, jobs of ${(QUEUE_MS + RUN_MS) / 1000} s, webhooks on`;
    return [
      {
        id: '14a',
        what: `${setting}: job completed → image shared`,
        value:
          `median ${round(median)} ms, p99 ${round(p99)} ms (max ${round(Math.max(...delays))} ms); ` +
          `from completion to the bot's answer to the webhook: median ${round(percentile(webhookDelays, 50))} ms, ` +
          `to the check it triggered: median ${round(percentile(checkDelays, 50))} ms`,
        target: 'median ≤ 200 ms',
        met: median <= 200,
        details: {
          jobs: results.length,
          medianMs: round(median),
          p99Ms: round(p99),
          maxMs: round(Math.max(...delays)),
          minMs: round(Math.min(...delays)),
          webhookAnsweredMedianMs: round(percentile(webhookDelays, 50)),
          webhookAnsweredP99Ms: round(percentile(webhookDelays, 99)),
          checkMedianMs: round(percentile(checkDelays, 50)),
          checkP99Ms: round(percentile(checkDelays, 99)),
        },
      },
      {
        id: '14b',
        what: `${setting}: status requests per job`,
        value: `mean ${round(meanRequests, 2)}, max ${maxRequests}`,
        target: '≤ 2',
        met: maxRequests <= 2,
        details: { jobs: results.length, meanRequests: round(meanRequests, 2), maxRequests },
      },
    ];
  } finally {
    await world.close();
  }
}
