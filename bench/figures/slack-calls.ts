/**
 * Figure 13: what one Slack Web API call costs the bot: 2,000 `chat.postMessage` calls, 20 at a time, through
 * the real Web API client against the fake Slack, with the standard `fetch` and with the bot's transport
 * (`src/adapters/slack/web-api-fetch.ts`). The fake runs in this process, so the CPU per call includes its share,
 * the same for both; the ratio is the figure. Three alternated runs each, after a warm-up.
 */
import { webApi } from '@slack/bolt';
import { webApiFetch } from '../../src/adapters/slack/web-api-fetch.js';
import { startFakeSlack } from '../../test/fakes/slack/index.js';
import { type FigureResult, percentile, round } from '../figure.js';

const CALLS = 2_000;
const AT_ONCE = 20;
const RUNS = 3;

async function cpuPerCallMs(client: webApi.WebClient): Promise<number> {
  const post = (index: number) => client.chat.postMessage({ channel: 'C_PUBLIC', text: `message ${index}` });
  for (let index = 0; index < 200; index++) await post(index);
  const before = process.cpuUsage();
  for (let sent = 0; sent < CALLS; sent += AT_ONCE) {
    await Promise.all(Array.from({ length: AT_ONCE }, (_, offset) => post(sent + offset)));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / CALLS;
}

export async function measureSlackCalls(): Promise<FigureResult> {
  const fake = await startFakeSlack();
  const clientWith = (fetch?: typeof globalThis.fetch) =>
    new webApi.WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
      ...(fetch ? { fetch } : {}),
    });
  const standard: number[] = [];
  const bots: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      standard.push(await cpuPerCallMs(clientWith()));
      bots.push(await cpuPerCallMs(clientWith(webApiFetch)));
    }
  } finally {
    await fake.close();
  }
  const ratio = percentile(standard, 50) / percentile(bots, 50);
  return {
    id: 13,
    what: `Slack Web API call: CPU per chat.postMessage, ${CALLS.toLocaleString('en')} calls (fake Slack in this process), median of ${RUNS} runs`,
    value: `bot's transport ${round(percentile(bots, 50), 3)} ms; the standard fetch ${round(percentile(standard, 50), 3)} ms (×${round(ratio, 1)})`,
    target: 'report',
    met: 'report',
    details: { botTransportMs: percentile(bots, 50), standardFetchMs: percentile(standard, 50), ratio },
  };
}
